// Rename several entries at once: find and replace, add text before or after the name, or number them
// in the order shown. A preview lists every new name before anything is sent; the renames then go one
// by one, and those the server refuses are listed without stopping the others.
import { post } from "../core/api.js";
import { h, dialog, toast } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { registerAction } from "./registry.js";
import { isFolder } from "./browse-util.js";
import { canChange, owned, filesChanged, showPartialFailure } from "./actions-util.js";

const PREVIEW_ROWS = 100;
const NAME_LIMIT = 255;

/** "photo.jpg" → ["photo", ".jpg"]; folders and dot-files have no extension. */
function splitName(file) {
  const dot = isFolder(file) ? -1 : file.name.lastIndexOf(".");
  return dot > 0 ? [file.name.slice(0, dot), file.name.slice(dot)] : [file.name, ""];
}

/** The new name of each file under the rule the form describes. */
function newNames(files, rule) {
  const width = String(rule.start + files.length - 1).length;
  return files.map((file, i) => {
    const [stem, ext] = splitName(file);
    if (rule.mode === "replace") return rule.find ? file.name.split(rule.find).join(rule.replace) : file.name;
    if (rule.mode === "add") return rule.before ? rule.text + file.name : stem + rule.text + ext;
    return `${rule.base}${String(rule.start + i).padStart(width, "0")}${ext}`;
  });
}

/** Why the set of new names cannot be used, or "" (an unchanged set is left to the caller). */
function problemWith(files, names) {
  const current = new Set(files.map((f) => f.name));
  const seen = new Set();
  for (const [i, name] of names.entries()) {
    if (!name.trim() || /[/\\]/.test(name) || name === "." || name === ".." || name.length > NAME_LIMIT) {
      return t("rename.invalid", { name: name || "—" });
    }
    if (seen.has(name)) return t("rename.duplicate", { name });
    seen.add(name);
    // Renaming into the name another entry of the batch still has would collide half-way through.
    if (name !== files[i].name && current.has(name)) return t("rename.taken", { name });
  }
  return "";
}

async function batchRename(files) {
  const mode = h("select", { "aria-label": t("rename.mode") }, ["replace", "add", "number"]
    .map((value) => h("option", { value }, t(`rename.mode.${value}`))));
  const input = (label, props = {}) => h("input", { type: "text", "aria-label": label, ...props });
  const find = input(t("rename.find"), { autofocus: true });
  const replace = input(t("rename.replaceWith"));
  const text = input(t("rename.text"));
  const where = h("select", { "aria-label": t("rename.where") },
    h("option", { value: "after" }, t("rename.after")), h("option", { value: "before" }, t("rename.before")));
  const base = input(t("rename.base"), { value: t("rename.baseDefault") });
  const start = h("input", { type: "number", min: 0, step: 1, value: 1, "aria-label": t("rename.start") });
  const field = (label, control) => h("div.field", null, h("span", { "aria-hidden": "true" }, label), control);
  const panels = {
    replace: h("div.rename-panel", null, field(t("rename.find"), find), field(t("rename.replaceWith"), replace)),
    add: h("div.rename-panel", null, field(t("rename.text"), text), field(t("rename.where"), where)),
    number: h("div.rename-panel", null, field(t("rename.base"), base), field(t("rename.start"), start)),
  };
  const preview = h("ol.rename-preview", { "aria-label": t("rename.preview"), tabindex: "0" });  // it scrolls
  const problem = h("p.form-error", { role: "alert", hidden: true });

  const rule = () => ({
    mode: mode.value, find: find.value, replace: replace.value, text: text.value, before: where.value === "before",
    base: base.value, start: Math.max(0, Number.parseInt(start.value, 10) || 0),
  });
  /** Redraw the preview; the new names when they can be used, else null. `submitting`: also say so when nothing changes. */
  function update(submitting = false) {
    for (const [key, panel] of Object.entries(panels)) panel.hidden = key !== mode.value;
    const names = newNames(files, rule());
    preview.replaceChildren(...files.slice(0, PREVIEW_ROWS).map((file, i) => h("li", { class: names[i] === file.name ? "unchanged" : "" },
      h("span", null, file.name), h("span", { "aria-hidden": "true" }, " → "), h("strong", null, names[i]))),
    files.length > PREVIEW_ROWS ? h("li.muted", null, t("rename.more", { n: files.length - PREVIEW_ROWS })) : "");
    const unchanged = names.every((name, i) => name === files[i].name);
    const why = problemWith(files, names) || (unchanged && submitting ? t("rename.unchanged") : "");
    problem.textContent = why;
    problem.hidden = !why;
    return why || unchanged ? null : names;
  }
  const body = h("div.rename-form", { oninput: () => update(), onchange: () => update() },
    field(t("rename.mode"), mode), ...Object.values(panels), h("h3", null, t("rename.preview")), preview, problem);
  update();

  await dialog({
    title: t("rename.title", { n: files.length }),
    body,
    wide: true,
    actions: [
      { label: t("common.cancel") },
      { label: t("actions.rename"), primary: true, run: async (close) => {
        const names = update(true);
        if (!names) return;
        const failures = {};
        let renamed = 0;
        for (const [i, file] of files.entries()) {
          if (names[i] === file.name) continue;
          try {
            await post("/file/rename", { uri: file.path, new_name: names[i] });
            renamed += 1;
          } catch (err) {
            failures[file.path] = { code: err.code, msg: err.message, data: err.data };
          }
        }
        close(true);
        filesChanged(files);
        if (renamed) toast(t("rename.done", { n: renamed }), "success");
        if (Object.keys(failures).length) await showPartialFailure(failures, files);
      } },
    ],
  });
}

registerAction({
  id: "batch-rename", icon: "rename", label: () => t("actions.rename"), order: 30, shortcut: "F2", toolbar: true,
  when: (files, view) => files.length > 1 && canChange(view) && owned(files),
  run: (files) => batchRename(files),
});
