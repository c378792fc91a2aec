// Helpers the file actions share: batch calls that report partial failures, change notifications, and
// the capability checks that decide where an action applies.
import { apiEnvelope, ApiError } from "../core/api.js";
import { emit } from "../core/events.js";
import { dialog, h, errorMessage, toast, toastError } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { parentUri, parseUri, baseName, joinUri } from "../core/uri.js";
import { CAP, hasCapability, isFolder } from "./browse-util.js";

/**
 * Call a batch route. Success resolves with `data`; a partial failure (40081) lists the failed items in a
 * dialog (and passes their URIs to `onPartial`) and resolves with `data` (the rest was done); any other code
 * rejects with ApiError.
 */
export async function batchCall(method, path, body, files = [], onPartial = null) {
  const envelope = await apiEnvelope(method, path, { body });
  if (envelope.code === 0) return envelope.data;
  if (envelope.code === 401) emit("signed-out", "required");
  if (envelope.code === 40081 && envelope.aggregated_error) {
    onPartial?.(Object.keys(envelope.aggregated_error));
    await showPartialFailure(envelope.aggregated_error, files);
    return envelope.data;
  }
  throw new ApiError(envelope.code, envelope.msg, envelope.data, envelope.correlation_id);
}

/** A batch route over `files` (addressed by their paths); resolves with the files it did, after listing
 * any it could not do. */
export async function batchOnFiles(method, path, body, files) {
  const failed = new Set();
  await batchCall(method, path, body, files, (uris) => uris.forEach((uri) => failed.add(uri)));
  return files.filter((f) => !failed.has(f.path));
}

/** A success notice that offers to undo what was just done. */
export function undoToast(message, undo) {
  toast(message, "success", { timeout: 8000, action: { label: t("actions.undo"), run: undo } });
}

function displayName(uri, files) {
  const file = files.find((f) => f.path === uri || f.id === uri);
  return file?.name || baseName(uri) || uri;
}

/** List the items a batch could not do, with why; the rest was done. failures: {uri: {code, msg, data}}. */
export function showPartialFailure(failures, files) {
  const rows = Object.entries(failures).map(([uri, err]) => h("li", null,
    h("strong", null, displayName(uri, files)), ": ",
    errorMessage(new ApiError(err.code, err.msg, err.data))));
  return dialog({
    title: t("actions.partialTitle"),
    body: [h("p", null, t("actions.partialIntro")), h("ul.partial-failures", null, rows)],
    actions: [{ label: t("common.close"), primary: true, value: true }],
  });
}

/** Tell every listing of the folders holding `files` (and of `extra` folders) to reload. */
export function filesChanged(files, ...extra) {
  const folders = new Set(extra.filter(Boolean));
  for (const file of files) folders.add(parentUri(file.path));
  for (const uri of folders) emit("files-changed", { uri });
}

/** Move (or copy) `files` into the folder `dst`, then tell the listings and the person; a move can be undone. */
export async function transferTo(files, dst, copy) {
  let done;
  try {
    done = await batchOnFiles("POST", "/file/move", { uris: files.map((f) => f.path), dst, copy }, files);
  } catch (err) {
    toastError(err);
    return;
  }
  filesChanged(files, dst);
  if (copy) emit("capacity-changed");
  const message = t(copy ? "actions.copied" : "actions.moved", { folder: baseName(dst) || t("nav.myFiles") });
  if (copy || !done.length) toast(message, "success");
  else undoToast(message, () => moveBack(done, dst));
}

/** Undo a move: each file goes back to the folder it came from. */
async function moveBack(files, dst) {
  const byOrigin = Map.groupBy(files, (file) => parentUri(file.path));
  try {
    for (const [origin, group] of byOrigin) {
      const moved = group.map((file) => ({ ...file, path: joinUri(dst, file.name) }));
      await batchCall("POST", "/file/move", { uris: moved.map((file) => file.path), dst: origin, copy: false }, moved);
      filesChanged(moved, origin);
    }
    toast(t("actions.moveUndone"), "success");
  } catch (err) {
    toastError(err);
  }
}

export const fsOf = (uri) => parseUri(uri)?.fs || "";
export const inMyFiles = (view) => view.fs === "my" && !view.isShare;
export const canChange = (view) => inMyFiles(view) && !view.readOnly;
export const onlyFiles = (files) => files.every((f) => !isFolder(f));
export const single = (files) => files.length === 1;
export const owned = (files) => files.every((f) => f.owned !== false);

export function canDownload(files, view) {
  const capability = files[0]?.capability || view.capability;
  return !view.isTrash && hasCapability(capability, CAP.download);
}

/** Click a link to `url` so the browser downloads it (named `name` when same-origin). */
export function startDownload(url, name = "") {
  const a = h("a", { href: url, download: name, hidden: true, rel: "noopener" });
  document.body.append(a);
  a.click();
  a.remove();
}
