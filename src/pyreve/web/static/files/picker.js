// A dialog that browses the user's own folders and resolves with the chosen folder's URI.
import { get, post } from "../core/api.js";
import { emit } from "../core/events.js";
import { h, icon, clear, dialog, errorMessage, promptDialog } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { MY_ROOT, parseUri, buildUri, joinUri } from "../core/uri.js";
import { isFolder } from "./browse-util.js";

const PAGE_SIZE = 500;

/** Subfolders of `uri`; listings put folders first, so stop at the first file. */
async function listFolders(uri) {
  const folders = [];
  let token = "";
  for (;;) {
    const page = await get("/file", { uri, page_size: PAGE_SIZE, next_page_token: token });
    const entries = page.files || [];
    folders.push(...entries.filter(isFolder));
    token = page.pagination?.next_token || "";
    if (!token || entries.some((f) => !isFolder(f))) return folders;
  }
}

/**
 * Ask for a destination folder. `exclude` lists folder URIs that cannot be entered or chosen (the items
 * being moved: nothing goes into itself). Resolves with the URI, or undefined when cancelled.
 */
export function pickFolder({ title, confirmLabel, start = MY_ROOT, exclude = [] }) {
  let current = start;
  const trail = h("nav.picker-trail", { "aria-label": t("actions.location") });
  const list = h("ul.picker-list", { "aria-label": t("actions.folders") });
  const status = h("p.picker-status.muted", { role: "status" });
  const excluded = new Set(exclude);

  async function show(uri) {
    current = uri;
    const parts = parseUri(uri);
    clear(trail).append(...parts.elements.reduce((crumbs, name, i) => {
      const target = buildUri({ ...parts, query: "", elements: parts.elements.slice(0, i + 1) });
      crumbs.push(h("span.picker-sep", { "aria-hidden": "true" }, "/"), crumbButton(name, target));
      return crumbs;
    }, [crumbButton(t("nav.myFiles"), buildUri({ ...parts, query: "", elements: [] }))]));
    trail.lastElementChild.setAttribute("aria-current", "location");
    clear(list);
    status.textContent = t("common.loading");
    try {
      const folders = await listFolders(uri);
      if (current !== uri) return;
      status.textContent = folders.length ? "" : t("actions.noSubfolders");
      list.append(...folders.map((folder) => {
        const target = joinUri(uri, folder.name);
        return h("li", null, h("button.picker-item", {
          type: "button", disabled: excluded.has(folder.path) || excluded.has(target),
          onclick: () => show(target),
        }, icon("folder"), h("span", null, folder.name)));
      }));
    } catch (err) {
      if (current === uri) status.textContent = errorMessage(err);
    }
  }

  function crumbButton(label, uri) {
    return h("button.text.picker-crumb", { type: "button", onclick: () => show(uri) }, label);
  }

  // A destination that does not exist yet: make it here, then go into it.
  async function newFolder() {
    const here = current;
    const made = await promptDialog(t("actions.newFolder"), {
      label: t("actions.folderName"), value: t("actions.untitledFolder"), confirmLabel: t("actions.create"),
      submit: (name) => post("/file/create", { uri: joinUri(here, name.trim()), type: "folder", err_on_conflict: true }),
    });
    if (!made?.path) return;
    emit("files-changed", { uri: here });
    show(made.path);
  }

  show(start);
  return dialog({
    title,
    body: h("div.picker", null, trail, list, status),
    actions: [
      { label: t("actions.newFolder"), run: newFolder },
      { label: t("common.cancel") },
      { label: confirmLabel, primary: true, run: (close) => close(current) },
    ],
  });
}
