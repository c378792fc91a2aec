// Entries dragged onto a folder (a folder row, a breadcrumb, "My files" or a pin in the sidebar) move there;
// with Ctrl or Alt held, they are copied.
import { highlightDropTarget } from "../core/dom.js";
import { parentUri } from "../core/uri.js";
import { DRAG_TYPE } from "./registry.js";
import { transferTo } from "./actions-util.js";

const carriesEntries = (e) => [...(e.dataTransfer?.types || [])].includes(DRAG_TYPE);
const copying = (e) => e.ctrlKey || e.altKey;

// The folder on show (the browser's root) and the dragged entries themselves (selected) are no destination.
function destination(e) {
  const target = e.target.closest?.("[data-drop-uri]");
  return target && !target.matches(".fb, [aria-selected=true]") ? target : null;
}

document.addEventListener("dragover", (e) => {
  if (!carriesEntries(e)) return;
  const target = destination(e);
  highlightDropTarget(target);
  if (!target) return;
  e.preventDefault();
  e.dataTransfer.dropEffect = copying(e) ? "copy" : "move";
});
document.addEventListener("dragend", () => highlightDropTarget(null));
document.addEventListener("drop", (e) => {
  if (!carriesEntries(e)) return;
  const target = destination(e);
  highlightDropTarget(null);
  if (!target) return;
  e.preventDefault();
  const files = JSON.parse(e.dataTransfer.getData(DRAG_TYPE) || "[]");
  const dst = target.dataset.dropUri;
  // Dropped back into the folder they are in: nothing to do.
  if (files.length && !files.every((file) => parentUri(file.path) === dst)) transferTo(files, dst, copying(e));
});
