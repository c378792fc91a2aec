// Where file features plug into the file browser, so each feature lives in its own module.
//
// A file action (context menu, selection toolbar, shortcuts):
//   registerAction({
//     id: "rename", icon: "rename", label: () => t("files.rename"),
//     order: 30,                          // position in menus (lower first)
//     shortcut: "F2",                     // optional: shown in the menu, bound while browsing
//     toolbar: true,                      // also shown in the selection toolbar
//     danger: false,
//     default: false,                     // true: what double-click / Enter does to a *file*
//     when: (files, view) => boolean,     // files = selected File objects (wire shape), never empty
//     run: (files, view) => Promise|void,
//   })
// A "new" entry (the New button and the folder background's context menu):
//   registerCreator({ id, icon, label, order, when?: (view) => boolean, run: (view) => ... })
//
// `view` is the browser's handle on the folder being shown:
//   { uri,            // the folder's cloudreve:// URI (no search query)
//     fs,             // "my" | "share" | "trash" | "shared_with_me"
//     parent,         // the folder's File object from the listing (may be null)
//     capability,     // the listing's capability boolset (base64 string)
//     isSearch, isShare, isTrash, readOnly,  // readOnly: the viewer may not change this folder
//     files(),        // entries loaded so far
//     reload(),       // list again from the server
//     navigate(uri),  // show another folder
//     select(names), clearSelection() }
//
// DOM contract of the browser (tests and other modules rely on it):
//   - the list is role="grid" with aria-label "Files"; every entry is role="row" with data-name=<name>,
//     aria-selected, and shows its name (and size for files);
//   - the browser's root element carries data-drop-uri=<folder URI> while the folder accepts uploads
//     (uploads listen for drops there); so do its folder rows and breadcrumb links then, with their URIs
//     (and the sidebar's "My files" and pinned folders, always);
//   - entries the viewer may move are draggable: a drag carries the selected entries
//     ([{path, name, type}] as JSON) under the type DRAG_TYPE;
//   - folders open on double-click/Enter; files run the applicable action with `default: true`.
export const DRAG_TYPE = "application/x-pyreve-files";

const actions = [];
const creators = [];

export function registerAction(action) { actions.push(action); actions.sort((a, b) => (a.order ?? 50) - (b.order ?? 50)); }
export function registerCreator(creator) { creators.push(creator); creators.sort((a, b) => (a.order ?? 50) - (b.order ?? 50)); }

export function actionsFor(files, view) {
  if (!files.length) return [];
  return actions.filter((a) => { try { return a.when(files, view); } catch { return false; } });
}

/** Every registered action, e.g. to bind their shortcuts. */
export function registeredActions() { return [...actions]; }

export function defaultActionFor(file, view) {
  return actionsFor([file], view).find((a) => a.default) || null;
}

// Buttons of a folder's toolbar that act on the folder itself, e.g. "Empty trash":
//   registerFolderTool({ id, icon, label, when: (view) => boolean, run: (view) => ... })
const folderTools = [];

export function registerFolderTool(tool) { folderTools.push(tool); }

export function folderToolsFor(view) {
  return folderTools.filter((tool) => { try { return tool.when(view); } catch { return false; } });
}

// Marks shown under an entry's name (tags…): registerDecoration((file, view) => Node|null).
const decorations = [];

export function registerDecoration(render) { decorations.push(render); }

export function decorationsFor(file, view) {
  return decorations.map((render) => { try { return render(file, view); } catch { return null; } });
}

export function creatorsFor(view) {
  return creators.filter((c) => !c.when || c.when(view));
}
