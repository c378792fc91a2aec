// Columns of the list layout, stored the way Cloudreve clients store them in a folder's view:
// [{type, width?, props?}], `type` numbered as in their column types. The name column always comes
// first; types this client does not know are left out of the display (and kept in the saved view).
import { h, dialog } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { formatSize, formatDate } from "../core/format.js";
import { parseUri } from "../core/uri.js";
import { isFolder, isShortcut, folderOf, readableLocation } from "./browse-util.js";
import { mediaValue } from "./media-info.js";

const NAME = 0;
const MODIFIED = 1;
const SIZE = 2;
const METADATA = 3;
const CREATED = 4;
const PARENT = 6;
export const RESTORE_PARENT = 7;
const EXPIRE = 8;

const DEFAULT_COLUMNS = [{ type: NAME }, { type: SIZE }, { type: MODIFIED }];
const TRASH_COLUMNS = [{ type: NAME }, { type: SIZE }, { type: EXPIRE }, { type: RESTORE_PARENT }];

/** Where a trashed entry was deleted from: "/a/b", or "My files". */
export function originalFolder(file) {
  const p = parseUri(file.metadata?.["sys:restore_uri"] || "");
  if (!p) return "";
  return p.elements.length > 1 ? `/${p.elements.slice(0, -1).join("/")}` : t("nav.myFiles");
}

/** A media column: `title` names its string, `value(metadata)` reads it. */
const media = (title, value) => ({ title, width: "9rem", media: true, cell: (file) => value(file.metadata || {}) });

/** An entry's size as listed: none for folders and saved shares. */
export const sizeText = (file) => (isFolder(file) || isShortcut(file) ? "" : formatSize(file.size));

/** What each known column shows. `order`: the listing's sort key when the column sorts. */
const COLUMNS = {
  [SIZE]: { title: "browser.sort.size", width: "7rem", order: "size", cls: "fb-size", cell: sizeText },
  [MODIFIED]: { title: "browser.sort.updated", width: "11rem", order: "updated_at", cls: "fb-date",
    cell: (file) => formatDate(file.updated_at) },
  [CREATED]: { title: "columns.created", width: "11rem", order: "created_at", cell: (file) => formatDate(file.created_at) },
  [PARENT]: { title: "columns.parent", width: "12rem", cell: (file) => readableLocation(folderOf(file)) },
  [RESTORE_PARENT]: { title: "columns.restoreParent", width: "12rem", trash: true, cell: originalFolder },
  [EXPIRE]: { title: "columns.expire", width: "11rem", trash: true, cell: (file) => {
    const seconds = Number(file.metadata?.["sys:expected_collect_time"]);
    return seconds > 0 ? formatDate(seconds * 1000) : "";
  } },
  [METADATA]: { title: (props) => props?.metadata_key || "", width: "9rem", cell: (file, props) => file.metadata?.[props?.metadata_key] || "" },
  9: media("media.aperture", (meta) => (meta["exif:f"] ? `f/${Number(meta["exif:f"])}` : "")),
  10: media("media.exposureTime", (meta) => (meta["exif:exposure_time"] ? `${meta["exif:exposure_time"]} s` : "")),
  11: media("media.iso", (meta) => meta["exif:iso"] || ""),
  13: media("media.camera", (meta) => meta["exif:camera_model"] || ""),
  15: media("media.lens", (meta) => mediaValue("lens", meta)),
  16: media("media.focalLength", (meta) => (meta["exif:focal_length"] ? `${meta["exif:focal_length"]} mm` : "")),
  20: media("media.taken", (meta) => mediaValue("taken", meta)),
  21: media("media.dimensions", (meta) => mediaValue("dimensions", meta)),
  22: media("media.title", (meta) => mediaValue("title", meta)),
  23: media("media.artist", (meta) => mediaValue("artist", meta)),
  24: media("media.album", (meta) => mediaValue("album", meta)),
  25: media("media.duration", (meta) => mediaValue("duration", meta)),
};

/** The columns a folder's saved view asks for (the defaults when it names none). */
export function storedColumns(saved, isTrash) {
  return saved?.columns?.length ? saved.columns : isTrash ? TRASH_COLUMNS : DEFAULT_COLUMNS;
}

/** The columns to show: the known ones of the saved view, the name first. */
export function shownColumns(saved, isTrash) {
  return [{ type: NAME }, ...storedColumns(saved, isTrash).filter((c) => c.type !== NAME && COLUMNS[c.type])];
}

export const columnTitle = (column) => {
  const title = COLUMNS[column.type].title;
  return typeof title === "function" ? title(column.props) : t(title);
};
export const columnOrder = (column) => COLUMNS[column.type].order || "";
export const columnClass = (column) => COLUMNS[column.type].cls || "fb-extra";
export const columnCell = (column, file) => COLUMNS[column.type].cell(file, column.props);

/** The CSS grid template of a list row: the name takes the room left, the menu button comes last. */
export function gridTemplate(columns) {
  const widths = columns.slice(1).map((c) => (Number(c.width) > 0 ? `${Number(c.width)}px` : COLUMNS[c.type].width));
  return ["minmax(0, 1fr)", ...widths, "44px"].join(" ");
}

/** Let the person pick the columns of `stored` (a view's column list); resolves with the new list, or
 * undefined when cancelled. */
export function chooseColumns(stored, isTrash) {
  const chosen = new Set(stored.map((c) => c.type));
  const offered = Object.keys(COLUMNS).map(Number)
    .filter((type) => type !== METADATA && (isTrash || !COLUMNS[type].trash));
  const boxes = new Map(offered.map((type) => [type, h("input", { type: "checkbox", checked: chosen.has(type) })]));
  const group = (media) => offered.filter((type) => !!COLUMNS[type].media === media).map((type) =>
    h("label.check", null, boxes.get(type), h("span", null, columnTitle({ type }))));
  return dialog({
    title: t("columns.title"),
    body: h("div.columns-form", null,
      h("fieldset.columns-group", null, h("legend", null, t("columns.general")), group(false)),
      h("fieldset.columns-group", null, h("legend", null, t("columns.media")), group(true))),
    actions: [
      { label: t("common.cancel") },
      { label: t("common.save"), primary: true, run: (close) => {
        // Columns kept in their order; new ones join at the end, other clients' unknown ones stay.
        const kept = stored.filter((c) => c.type === NAME || !boxes.has(c.type) || boxes.get(c.type).checked);
        const added = offered.filter((type) => boxes.get(type).checked && !chosen.has(type)).map((type) => ({ type }));
        close([...(chosen.has(NAME) ? [] : [{ type: NAME }]), ...kept, ...added]);
      } },
    ],
  });
}
