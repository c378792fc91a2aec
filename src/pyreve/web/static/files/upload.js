// Uploads: files and folders from the pickers ("New" menu), dropped on or pasted into the browser, queued a few at a
// time, each through an upload session in chunks, with name conflicts settled before any byte is sent.
// Sessions outlive the page: after a reload the same file, picked or dropped again, continues where
// it stopped.
import "../locales/upload.js";
import { registerCreator } from "./registry.js";
import { h, toast, errorMessage, highlightDropTarget } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { ApiError, currentUser, post } from "../core/api.js";
import { emit, on } from "../core/events.js";
import { parseUri, buildUri } from "../core/uri.js";
import { createPanel, ACTIVE } from "./upload-panel.js";
import { askConflict, numberedName, OVERWRITE, SKIP } from "./upload-conflict.js";
import * as wire from "./upload-transfer.js";

const RATE_SAMPLE_MS = 500;
const PARALLEL = 3;
const MAX_NUMBERED_NAMES = 100;
const OBJECT_EXISTS = 40004;
const SESSION_GONE = 40011;

let tasks = [];
let nextId = 1;
let panel = null;

function render() {
  panel ||= createPanel({ cancel, retry, resume, cancelAll, close });
  panel.render(tasks);
}

// ---- URIs ----

function under(base, path) {
  const p = parseUri(base);
  return buildUri({ ...p, query: "", elements: [...p.elements, ...path.split("/").filter(Boolean)] });
}

function parentOf(uri) {
  const p = parseUri(uri);
  return buildUri({ ...p, query: "", elements: p.elements.slice(0, -1) });
}

function renamed(uri, name) {
  return under(parentOf(uri), name);
}

// ---- the queue ----

function transferOf(record) {
  return { sessionId: record.sessionId, chunkSize: record.chunkSize, done: record.done, xhr: null, cancelled: false };
}

function loadedOf(record) {
  return Math.min(record.size, record.done * (record.chunkSize || record.size));
}

/** A remembered session whose file is gone with the page: shown until the file is picked again. */
function interruptedTask(record) {
  return {
    id: nextId++, batch: null, file: null, record, path: record.name, name: baseName(record.uri),
    uri: record.uri, origin: record.origin, size: record.size, loaded: loadedOf(record),
    state: "interrupted", transfer: transferOf(record), error: "", attempt: 0,
  };
}

function baseName(uri) { return parseUri(uri).elements.at(-1) || ""; }

/**
 * Upload `entries` ([{file, path}], path relative to `base`, "a.txt" or "dir/a.txt") into folder `base`.
 * A file that matches an interrupted upload to the same place continues it.
 */
export function enqueue(base, entries, { folders = [] } = {}) {
  if (!entries.length && !folders.length) return;
  const batch = { base, size: entries.length, decision: null, asking: Promise.resolve() };
  for (const { file, path } of entries) {
    const uri = under(base, path);
    const waiting = tasks.find((task) => (task.state === "interrupted" || task.state === "failed") && task.record
      && task.origin === uri && wire.sameFile(task.record, file));
    if (waiting) {
      Object.assign(waiting, { file, batch, state: "waiting" });
      continue;
    }
    tasks.push({ id: nextId++, batch, file, path, name: file.name, uri, origin: uri, size: file.size, loaded: 0,
      state: "waiting", transfer: null, error: "", attempt: 0 });
  }
  render();
  pump();
  if (folders.length) createFolders(base, folders);
}

/** Empty folders of a dropped tree: files create their folders themselves, these have none. */
async function createFolders(base, folders) {
  for (const path of folders) {
    try {
      await post("/file/create", { uri: under(base, path), type: "folder", err_on_conflict: false });
    } catch (err) {
      toast(`${path}: ${errorMessage(err)}`, "error");
    }
  }
  emit("files-changed", { uri: base });
}

function pump() {
  let running = tasks.filter((task) => task.state === "uploading" || task.state === "retrying").length;
  for (const task of tasks) {
    if (running >= PARALLEL) break;
    if (task.state === "waiting") { running += 1; run(task); }
  }
}

// Files finishing together (a folder of small files) make one reload per folder, not one per file.
const changedFolders = new Set();
let announceTimer = 0;

function announce(task) {
  changedFolders.add(parentOf(task.uri));
  if (task.batch) changedFolders.add(task.batch.base);
  announceTimer ||= setTimeout(() => {
    announceTimer = 0;
    const folders = [...changedFolders];
    changedFolders.clear();
    folders.forEach((uri) => emit("files-changed", { uri }));
    emit("capacity-changed");
  }, 200);
}

async function run(task) {
  task.state = "uploading";
  task.error = "";
  render();
  try {
    if (!task.transfer) {
      const saved = wire.savedFor(task.uri);
      if (saved && wire.sameFile(saved, task.file)) {
        task.transfer = transferOf(saved);
        Object.assign(task, { record: saved, uri: saved.uri, name: baseName(saved.uri), loaded: loadedOf(saved) });
      } else {
        if (saved) {
          // Another file now goes to that name: the unfinished session of the old one is given up.
          tasks = tasks.filter((other) => other === task || other.transfer?.sessionId !== saved.sessionId);
          await discardSession(saved.sessionId, saved.uri);
        }
        if (!await open(task, "")) return;
      }
    }
    await send(task);
    wire.forgetSession(task.transfer.sessionId);
    task.state = "done";
    task.loaded = task.size;
    announce(task);
  } catch (err) {
    if (task.state === "cancelled") return;
    task.state = "failed";
    task.error = errorMessage(err);
  } finally {
    render();
    pump();
  }
}

/** Keep `task.rate` (bytes a second), smoothed over samples at least RATE_SAMPLE_MS apart. */
function measureRate(task, bytes) {
  const now = performance.now();
  if (!task.sampledAt || bytes < task.sampledBytes) { task.sampledAt = now; task.sampledBytes = bytes; task.rate = 0; return; }
  const elapsed = now - task.sampledAt;
  if (elapsed < RATE_SAMPLE_MS) return;
  const rate = ((bytes - task.sampledBytes) * 1000) / elapsed;
  task.rate = task.rate ? task.rate * 0.7 + rate * 0.3 : rate;
  task.sampledAt = now;
  task.sampledBytes = bytes;
}

async function send(task) {
  let restarted = false;
  for (;;) {
    try {
      await wire.sendChunks(task.file, task.transfer, {
        onProgress: (bytes) => {
          task.loaded = bytes;
          measureRate(task, bytes);
          if (task.state === "retrying") task.state = "uploading";
          render();
        },
        onChunk: (done) => {
          task.record.done = done;
          if (task.state !== "cancelled") wire.saveSession(task.record);
        },
        onRetry: (attempt) => { task.state = "retrying"; task.attempt = attempt; render(); },
      });
      return;
    } catch (err) {
      // The session expired or was completed elsewhere: start over; the placeholder is ours to replace.
      if (restarted || !(err instanceof ApiError) || err.code !== SESSION_GONE) throw err;
      restarted = true;
      wire.forgetSession(task.transfer.sessionId);
      task.loaded = 0;
      if (!await open(task, "version")) throw err;
    }
  }
}

/** Create the session, settling a name conflict first; false when the file is skipped or cancelled. */
async function open(task, entityType) {
  let uri = task.uri;
  let type = entityType;
  let number = 0;
  for (;;) {
    try {
      const credential = await wire.createSession({ uri, file: task.file, entityType: type });
      task.uri = uri;
      task.name = baseName(uri);
      task.record = {
        sessionId: credential.session_id, uri, origin: task.origin, name: task.file.name, size: task.file.size,
        lastModified: task.file.lastModified, chunkSize: credential.chunk_size, done: 0, expires: credential.expires,
      };
      task.transfer = transferOf(task.record);
      if (task.state === "cancelled") { await discardSession(task.record.sessionId, uri); return false; }
      wire.saveSession(task.record);
      return true;
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== OBJECT_EXISTS || type === "version" || task.state === "cancelled") throw err;
      if (number === 0) {
        const choice = await decide(task);
        if (choice === SKIP) { if (task.state !== "cancelled") task.state = "skipped"; return false; }
        if (choice === OVERWRITE) { type = "version"; continue; }
      }
      number += 1;
      if (number > MAX_NUMBERED_NAMES) throw err;
      uri = renamed(task.origin, numberedName(baseName(task.origin), number));
    }
  }
}

/** One conflict question at a time per batch; "apply to all" answers the rest of the batch. */
function decide(task) {
  const batch = task.batch;
  const answer = batch.asking.then(async () => {
    if (batch.decision) return batch.decision;
    const { choice, all } = await askConflict(task.name, { more: batch.size > 1 });
    if (all) batch.decision = choice;
    return choice;
  });
  batch.asking = answer.catch(() => {});
  return answer;
}

async function discardSession(sessionId, uri) {
  wire.forgetSession(sessionId);
  try { await wire.cancelSession(sessionId, uri); } catch { /* expired already: nothing to undo */ }
}

// ---- what the panel's buttons do ----

async function cancel(task) {
  const hadSession = !!task.transfer;
  task.state = "cancelled";
  if (task.transfer) wire.interrupt(task.transfer);
  render();
  if (!hadSession) return; // a session still being created is discarded when it arrives
  await discardSession(task.transfer.sessionId, task.uri);
  announce(task);
  pump();
}

function cancelAll() {
  tasks.filter((task) => ACTIVE.has(task.state) || task.state === "failed" || task.state === "interrupted").forEach(cancel);
}

function retry(task) {
  if (task.transfer) task.transfer.cancelled = false;
  task.state = "waiting";
  render();
  pump();
}

function resume(task) {
  pick({ multiple: false }, ([file]) => {
    if (!file) return;
    if (!wire.sameFile(task.record, file)) { toast(t("upload.notSameFile", { name: task.record.name }), "error"); return; }
    Object.assign(task, { file, state: "waiting", batch: { base: parentOf(task.uri), size: 1, decision: null, asking: Promise.resolve() } });
    render();
    pump();
  });
}

function close() {
  tasks = tasks.filter((task) => ACTIVE.has(task.state));
  render();
}

// ---- pickers ----

const pickers = {};

/** Open the browser's file (or folder) chooser; `onPick(files)` gets what the person chose. */
function pick({ multiple = true, folder = false }, onPick) {
  const key = folder ? "folder" : multiple ? "files" : "one";
  let input = pickers[key];
  if (!input) {
    input = h("input.upload-input", { type: "file", multiple, "aria-label": t(folder ? "upload.folder" : "upload.files"), tabindex: "-1" });
    if (folder) input.webkitdirectory = true;
    input.addEventListener("change", () => {
      const files = [...input.files];
      input.value = "";
      input.onPick?.(files);
    });
    pickers[key] = input;
    document.body.append(input);
  }
  input.onPick = onPick;
  input.click();
}

function uploadFiles(view) {
  pick({}, (files) => enqueue(view.uri, files.map((file) => ({ file, path: file.name }))));
}

function uploadFolder(view) {
  pick({ folder: true }, (files) => enqueue(view.uri, files.map((file) => ({ file, path: file.webkitRelativePath || file.name }))));
}

const accepts = (view) => view.fs === "my" && !view.readOnly && !view.isSearch && !view.isTrash;
registerCreator({ id: "upload-files", icon: "upload", order: 10, label: () => t("upload.files"), when: accepts, run: uploadFiles });
registerCreator({ id: "upload-folder", icon: "upload", order: 11, label: () => t("upload.folder"), when: accepts, run: uploadFolder });

// ---- drag and drop onto the browser ----

function carriesFiles(e) {
  return [...(e.dataTransfer?.types || [])].includes("Files");
}

function dropTarget(e) {
  return e.target.closest?.("[data-drop-uri]") || null;
}

function entryFile(entry) {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function readAll(reader) {
  const children = [];
  for (;;) {
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) return children;
    children.push(...batch);
  }
}

async function walk(entry, prefix, out) {
  const path = prefix + entry.name;
  if (entry.isFile) { out.files.push({ file: await entryFile(entry), path }); return; }
  const children = await readAll(entry.createReader());
  if (!children.length) out.folders.push(path);
  for (const child of children) await walk(child, path + "/", out);
}

/** What was dropped: files with their paths, and empty folders. Entries must be taken synchronously. */
async function dropped(dataTransfer) {
  const out = { files: [], folders: [] };
  const items = [...(dataTransfer.items || [])].filter((item) => item.kind === "file");
  const roots = items.map((item) => ({ entry: item.webkitGetAsEntry?.(), file: item.getAsFile() }));
  if (!roots.length) roots.push(...[...dataTransfer.files].map((file) => ({ entry: null, file })));
  for (const { entry, file } of roots) {
    if (entry) await walk(entry, "", out);
    else if (file) out.files.push({ file, path: file.name });
  }
  return out;
}

// Files dragged anywhere else must not make the browser leave the app to open them.
document.addEventListener("dragover", (e) => {
  if (!carriesFiles(e)) return;
  e.preventDefault();
  const target = dropTarget(e);
  e.dataTransfer.dropEffect = target ? "copy" : "none";
  highlightDropTarget(target);
});
document.addEventListener("drop", async (e) => {
  if (!carriesFiles(e)) return;
  e.preventDefault();
  const target = dropTarget(e);
  highlightDropTarget(null);
  if (!target) return;
  const base = target.dataset.dropUri;
  try {
    const { files, folders } = await dropped(e.dataTransfer);
    enqueue(base, files, { folders });
  } catch (err) {
    toast(errorMessage(err), "error");
  }
});

// ---- paste: files copied elsewhere (or a screenshot) upload into the folder shown ----

document.addEventListener("paste", (e) => {
  const files = [...(e.clipboardData?.files || [])];
  if (!files.length || e.target.closest?.("input, textarea, [contenteditable]") || document.querySelector("dialog[open]")) return;
  const folder = document.querySelector("section.fb[data-drop-uri]");  // a folder that takes uploads
  if (!folder) return;
  e.preventDefault();
  enqueue(folder.dataset.dropUri, files.map((file) => ({ file, path: file.name })));
});

// ---- after a reload: the sessions still open on the server ----

function restore() {
  if (currentUser()) tasks.push(...wire.savedSessions().map(interruptedTask));
  render();
}

// Another account's uploads are not shown; signing out stops the running ones (they stay resumable).
let shownUser = currentUser()?.id;
on("session", () => {
  const user = currentUser()?.id;
  if (user === shownUser) return;
  shownUser = user;
  tasks.filter((task) => task.transfer && ACTIVE.has(task.state)).forEach((task) => wire.interrupt(task.transfer));
  tasks = [];
  restore();
});
restore();
