// Folder view settings kept in this browser, for accounts that do not sync them to the server
// (the user setting disable_view_sync; the server then lists folders without a view).
import { currentUser } from "../core/api.js";

const KEY = "pyreve.views";
const MAX_FOLDERS = 200;  // the oldest choices go first

export const syncsViews = () => !currentUser()?.disable_view_sync;

function stored() {
  try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch { return {}; }
}

export function localView(folderUri) {
  return stored()[folderUri] || null;
}

export function storeLocalView(folderUri, view) {
  const views = stored();
  delete views[folderUri];  // re-added last: the most recent choice is the newest key
  views[folderUri] = view;
  const keys = Object.keys(views);
  for (const key of keys.slice(0, Math.max(0, keys.length - MAX_FOLDERS))) delete views[key];
  localStorage.setItem(KEY, JSON.stringify(views));
}
