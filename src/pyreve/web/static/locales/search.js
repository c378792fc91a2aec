// Strings of the advanced search form.
import { register } from "../core/i18n.js";

register({
  en: {
    "search.title": "Advanced search", "search.submit": "Search",
    "search.name": "Name contains", "search.anyWord": "Any of the words", "search.matchCase": "Match case",
    "search.type": "Type", "search.typeAny": "Files and folders", "search.typeFile": "Files only",
    "search.typeFolder": "Folders only", "search.size": "Size", "search.sizeMin": "At least",
    "search.sizeMax": "At most", "search.sizeUnit": "Size unit", "search.modified": "Modified",
    "search.modifiedAfter": "Modified on or after", "search.modifiedBefore": "Modified on or before",
    "search.tag": "Tag", "search.onlyHere": "Only in {folder}",
    "search.nothing": "Fill in at least one condition.", "search.refine": "Refine search",
  },
  "zh-CN": {
    "search.title": "高级搜索", "search.submit": "搜索",
    "search.name": "名称包含", "search.anyWord": "包含任一关键词", "search.matchCase": "区分大小写",
    "search.type": "类型", "search.typeAny": "文件和文件夹", "search.typeFile": "仅文件",
    "search.typeFolder": "仅文件夹", "search.size": "大小", "search.sizeMin": "至少",
    "search.sizeMax": "至多", "search.sizeUnit": "大小单位", "search.modified": "修改时间",
    "search.modifiedAfter": "修改日期不早于", "search.modifiedBefore": "修改日期不晚于",
    "search.tag": "标签", "search.onlyHere": "仅在 {folder} 中",
    "search.nothing": "请至少填写一个条件。", "search.refine": "调整搜索条件",
  },
});
