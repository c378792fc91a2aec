// Tags and icon colour. Stored as file metadata the Cloudreve way: "tag:<name>" = colour (or empty),
// "customize:icon_color" = colour.
import { h, dialog, toast, toastError, iconButton, clear } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { registerAction, registerDecoration } from "./registry.js";
import { batchCall, filesChanged, canChange, owned } from "./actions-util.js";

const TAG_PREFIX = "tag:";
const ICON_COLOR = "customize:icon_color";
const PALETTE = [
  ["red", "#e53935"], ["orange", "#fb8c00"], ["yellow", "#fdd835"], ["green", "#43a047"],
  ["blue", "#1e88e5"], ["purple", "#8e24aa"], ["grey", "#757575"],
];

/** A file's tags as [{name, color}] (color may be ""). */
export function tagsOf(file) {
  return Object.entries(file.metadata || {})
    .filter(([key]) => key.startsWith(TAG_PREFIX) && key.length > TAG_PREFIX.length)
    .map(([key, color]) => ({ name: key.slice(TAG_PREFIX.length), color }));
}

/** A small coloured label for a tag, for rows and dialogs. */
export function tagChip({ name, color }) {
  return withVariable(h("span.tag-chip", null, name), "--tag-color", color);
}

// Custom properties cannot be assigned through element.style's fields.
function withVariable(el, variable, value) {
  if (value) el.style.setProperty(variable, value);
  return el;
}

/** Radio buttons for a colour; `none` adds a "no colour" choice. Returns {element, value()}. */
function colorChoice(legend, groupName, selected, { none = false } = {}) {
  const options = [...(none ? [["none", ""]] : []), ...PALETTE];
  const inputs = options.map(([name, color]) => withVariable(h("input.swatch", {
    type: "radio", name: groupName, value: color, checked: color === selected,
    "aria-label": name === "none" ? t("actions.colorNone") : t(`color.${name}`),
    title: name === "none" ? t("actions.colorNone") : t(`color.${name}`),
  }), "--swatch", color));
  if (!inputs.some((i) => i.checked)) inputs[0].checked = true;
  return {
    element: h("fieldset.swatches", null, h("legend", null, legend), inputs),
    value: () => inputs.find((i) => i.checked)?.value ?? "",
  };
}

function editTags(files) {
  const original = new Map(files.flatMap(tagsOf).map((tag) => [tag.name, tag.color]));
  const tags = new Map(original);
  const iconColors = new Set(files.map((f) => f.metadata?.[ICON_COLOR] || ""));
  const originalIcon = iconColors.size === 1 ? [...iconColors][0] : null;

  const list = h("ul.tag-list", { "aria-label": t("actions.tagsLabel") });
  const renderList = () => {
    clear(list);
    if (!tags.size) list.append(h("li.muted", null, t("actions.noTags")));
    for (const [name, color] of tags) {
      list.append(h("li", null, tagChip({ name, color }),
        iconButton("close", t("actions.removeTag", { name }), () => { tags.delete(name); renderList(); })));
    }
  };
  renderList();

  const nameInput = h("input", { type: "text", "aria-label": t("actions.tagName"), placeholder: t("actions.tagName"), maxlength: 64 });
  const tagColor = colorChoice(t("actions.tagColor"), "tag-color", PALETTE[4][1]);
  const addTag = () => {
    const name = nameInput.value.trim();
    if (!name) { nameInput.focus(); return; }
    tags.set(name, tagColor.value());
    nameInput.value = "";
    renderList();
  };
  nameInput.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); addTag(); } });
  const iconColor = colorChoice(t("actions.iconColor"), "icon-color", originalIcon ?? "", { none: true });

  return dialog({
    title: t("actions.tagsTitle"),
    body: h("div.tags-editor", null, list,
      h("div.tag-add", null, nameInput, h("button", { type: "button", onclick: addTag }, t("actions.addTag"))),
      tagColor.element, iconColor.element),
    actions: [
      { label: t("common.cancel") },
      { label: t("common.save"), primary: true, run: async (close) => {
        if (nameInput.value.trim()) addTag();
        const patches = [];
        for (const [name, color] of tags) {
          if (original.get(name) !== color) patches.push({ key: TAG_PREFIX + name, value: color });
        }
        for (const name of original.keys()) {
          if (!tags.has(name)) patches.push({ key: TAG_PREFIX + name, remove: true });
        }
        const icon = iconColor.value();
        if (icon !== originalIcon) patches.push(icon ? { key: ICON_COLOR, value: icon } : { key: ICON_COLOR, remove: true });
        if (patches.length) {
          await batchCall("PATCH", "/file/metadata", { uris: files.map((f) => f.path), patches }, files);
          filesChanged(files);
          toast(t("actions.tagsSaved"), "success");
        }
        close(true);
      } },
    ],
  });
}

registerAction({
  id: "tags", icon: "tag", label: () => t("actions.tags"), order: 65,
  when: (files, view) => canChange(view) && owned(files),
  run: (files) => editTags(files).catch(toastError),
});

registerDecoration((file) => {
  const tags = tagsOf(file);
  return tags.length ? h("span.tag-chips.row-tags", { "aria-label": t("actions.tagsLabel") }, tags.map(tagChip)) : null;
});
