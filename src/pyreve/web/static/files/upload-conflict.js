// What to do when an uploaded name is already taken: overwrite (a new version), keep both, or skip.
import { h, dialog } from "../core/dom.js";
import { t } from "../core/i18n.js";

export const OVERWRITE = "overwrite";
export const RENAME = "rename";
export const SKIP = "skip";

/** "name.ext" → "name (n).ext"; a leading dot is part of the name, not an extension. */
export function numberedName(name, n) {
  const dot = name.lastIndexOf(".");
  if (dot <= 0) return `${name} (${n})`;
  return `${name.slice(0, dot)} (${n})${name.slice(dot)}`;
}

/**
 * Ask once; resolves {choice, all}. `more`: other conflicts may follow, so offer "apply to all".
 * Closing the dialog skips this file.
 */
export async function askConflict(name, { more }) {
  const all = h("input", { type: "checkbox", id: "upload-conflict-all" });
  const body = [
    h("p", null, t("upload.conflict.message", { name })),
    more ? h("label.check", { for: "upload-conflict-all" }, all, h("span", null, t("upload.conflict.all"))) : null,
  ];
  const choice = await dialog({ title: t("upload.conflict.title"), body, actions: [
    { label: t("upload.conflict.skip"), value: SKIP },
    { label: t("upload.conflict.overwrite"), value: OVERWRITE },
    { label: t("upload.conflict.rename"), value: RENAME, primary: true },
  ] });
  return { choice: choice || SKIP, all: !!choice && all.checked };
}
