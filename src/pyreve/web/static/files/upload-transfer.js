// The wire side of uploads: upload sessions (create, cancel), chunk bodies sent with XMLHttpRequest
// so progress is reported, retries with backoff, and the sessions remembered in localStorage so an
// upload interrupted by a reload continues from its first unfinished chunk.
import { api, authHeaders, ApiError, currentUser } from "../core/api.js";

const STORE_KEY = "pyreve.uploads";
const RETRIES = 5;
const MAX_BACKOFF_MS = 30_000;
// Codes that mean "the bytes did not all arrive": sending the chunk again is the cure.
const RETRYABLE_CODES = new Set([-1, 50004]);

// ---- remembered sessions: {sessionId, uri, name, size, lastModified, chunkSize, done, expires, user} ----

function readAll() {
  try { return JSON.parse(localStorage.getItem(STORE_KEY)) || []; } catch { return []; }
}

function writeAll(records) {
  if (records.length) localStorage.setItem(STORE_KEY, JSON.stringify(records));
  else localStorage.removeItem(STORE_KEY);
}

/** The signed-in user's unexpired sessions; expired ones are forgotten on the way. */
export function savedSessions() {
  const now = Date.now() / 1000;
  const all = readAll();
  const live = all.filter((r) => r.expires > now);
  if (live.length !== all.length) writeAll(live);
  const user = currentUser()?.id;
  return live.filter((r) => r.user === user);
}

export function saveSession(record) {
  const others = readAll().filter((r) => r.sessionId !== record.sessionId);
  writeAll([...others, { ...record, user: currentUser()?.id }]);
}

export function forgetSession(sessionId) {
  writeAll(readAll().filter((r) => r.sessionId !== sessionId));
}

/** Whether `file` is the very file a remembered session was sending (browsers give no stronger identity). */
export function sameFile(record, file) {
  return record.name === file.name && record.size === file.size && record.lastModified === file.lastModified;
}

export function savedFor(uri) {
  return savedSessions().find((r) => r.origin === uri || r.uri === uri) || null;
}

// ---- sessions ----

// The server stores uploads under the owner's policy but wants a valid policy id named: the one a
// listing of the owner's files announces.
let policyOf = { user: null, id: null };
async function policyId() {
  const user = currentUser()?.id;
  if (policyOf.user !== user || !policyOf.id) {
    const id = api("GET", "/file", { query: { uri: "cloudreve://my", page_size: 1 } }).then((data) => data.storage_policy?.id || "");
    policyOf = { user, id };
    id.catch(() => { if (policyOf.id === id) policyOf = { user: null, id: null }; });
  }
  return policyOf.id;
}

export async function createSession({ uri, file, entityType = "" }) {
  return api("PUT", "/file/upload", { body: {
    uri, size: file.size, last_modified: file.lastModified || 0, mime_type: file.type || "",
    entity_type: entityType, policy_id: await policyId(),
  } });
}

export function cancelSession(sessionId, uri) {
  return api("DELETE", "/file/upload", { body: { id: sessionId, uri } });
}

export function chunkCount(size, chunkSize) {
  return chunkSize > 0 ? Math.max(1, Math.ceil(size / chunkSize)) : 1;
}

// ---- chunks ----

/** POST one chunk; resolves when stored, rejects with ApiError (code -1 for network trouble). */
function postChunk(sessionId, index, blob, headers, onProgress, transfer) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    transfer.xhr = xhr;
    xhr.open("POST", `/api/v4/file/upload/${encodeURIComponent(sessionId)}/${index}`);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      let envelope = null;
      try { envelope = JSON.parse(xhr.responseText); } catch { /* not JSON: a proxy or a crash */ }
      if (!envelope) reject(new ApiError(-1, `HTTP ${xhr.status}`));
      else if (envelope.code !== 0) reject(new ApiError(envelope.code, envelope.msg, envelope.data, envelope.correlation_id));
      else resolve();
    };
    xhr.onerror = () => reject(new ApiError(-1, "network"));
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => reject(new DOMException("Upload cancelled", "AbortError"));
    xhr.send(blob);
  }).finally(() => { transfer.xhr = null; });
}

function wait(ms, transfer) {
  return new Promise((resolve) => { transfer.wake = resolve; setTimeout(resolve, ms); })
    .finally(() => { transfer.wake = null; });
}

/** Wait out a backoff, and then as long as the browser knows it is offline. */
async function backoff(ms, transfer) {
  await wait(ms, transfer);
  while (!navigator.onLine && !transfer.cancelled) await wait(1000, transfer);
}

/**
 * Send the chunks of `file` from `transfer.done` on, one after another (the local driver takes them in
 * order). `transfer`: {sessionId, chunkSize, done, xhr, cancelled}; `onProgress(bytesSent)`,
 * `onChunk(done)` after each stored chunk, `onRetry(attempt, delayMs)` before a retry.
 */
export async function sendChunks(file, transfer, { onProgress, onChunk, onRetry }) {
  const { chunkSize } = transfer;
  const count = chunkCount(file.size, chunkSize);
  while (transfer.done < count) {
    const index = transfer.done;
    const start = chunkSize > 0 ? index * chunkSize : 0;
    const end = chunkSize > 0 ? Math.min(file.size, start + chunkSize) : file.size;
    for (let attempt = 0; ; attempt += 1) {
      if (transfer.cancelled) throw new DOMException("Upload cancelled", "AbortError");
      try {
        await postChunk(transfer.sessionId, index, file.slice(start, end), await authHeaders(),
          (sent) => onProgress(start + sent), transfer);
        break;
      } catch (err) {
        if (!(err instanceof ApiError) || !RETRYABLE_CODES.has(err.code) || attempt >= RETRIES) throw err;
        const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempt);
        onProgress(start);
        onRetry(attempt + 1, delay);
        await backoff(delay, transfer);
      }
    }
    transfer.done = index + 1;
    onProgress(end);
    onChunk(transfer.done);
  }
}

/** Wake a transfer that is waiting out a backoff (it then notices it was cancelled). */
export function interrupt(transfer) {
  transfer.cancelled = true;
  transfer.xhr?.abort();
  transfer.wake?.();
}
