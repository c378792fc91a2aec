// The one door to the server: /api/v4 calls in Cloudreve's envelope, the session's tokens, and their
// silent refresh. Every other module calls api()/apiEnvelope() and never fetch() for JSON routes.
import { emit } from "./events.js";

const PREFIX = "/api/v4";
const SESSION_KEY = "pyreve.session";
const REFRESH_MARGIN_MS = 60_000;

/** An answer whose code is not 0. `message` is readable; `code` drives behaviour, never display. */
export class ApiError extends Error {
  constructor(code, message, data = null, correlationId = "") {
    super(message || `Error ${code}`);
    this.code = code;
    this.data = data;
    this.correlationId = correlationId;
  }
}

// ---- the session: { user, token: {access_token, refresh_token, access_expires, refresh_expires} } ----

let session = readSession();

function readSession() {
  try { return JSON.parse(localStorage.getItem(SESSION_KEY)) || null; } catch { return null; }
}

export function currentSession() { return session; }
export function currentUser() { return session?.user || null; }

export function saveSession(next) {
  session = next;
  if (next) localStorage.setItem(SESSION_KEY, JSON.stringify(next));
  else localStorage.removeItem(SESSION_KEY);
  emit("session", session);
}

export function updateUser(patch) {
  if (session) saveSession({ ...session, user: { ...session.user, ...patch } });
}

/** The server's current view of the signed-in user (pins, group, theme changed elsewhere) replaces the stored one. */
export function refreshUser(user) {
  if (!session || user?.id !== session.user?.id || JSON.stringify(user) === JSON.stringify(session.user)) return;
  saveSession({ ...session, user });
}

// Another tab signed in or out: follow it.
window.addEventListener("storage", (e) => {
  if (e.key === SESSION_KEY) { session = readSession(); emit("session", session); }
});

let refreshing = null;

/** A valid access token, refreshed first when it is about to expire (one refresh at a time). */
async function accessToken() {
  if (!session?.token) return null;
  const expires = Date.parse(session.token.access_expires);
  if (!(expires - Date.now() < REFRESH_MARGIN_MS)) return session.token.access_token;
  return refreshToken();
}

async function refreshToken() {
  if (!refreshing) {
    const refresh = session?.token?.refresh_token;
    refreshing = (async () => {
      try {
        const token = await request("POST", "/session/token/refresh", { body: { refresh_token: refresh }, auth: false });
        if (session) saveSession({ ...session, token });
        return token.access_token;
      } catch (err) {
        // The server refused the refresh token: the sign-in is over. A network error is not a refusal.
        if (err instanceof ApiError && err.code !== -1) { saveSession(null); emit("signed-out", "expired"); }
        throw err;
      } finally {
        refreshing = null;
      }
    })();
  }
  return refreshing;
}

/** Sign out on the server (revokes the refresh token family) and forget the session here. */
export async function signOut() {
  const refresh = session?.token?.refresh_token;
  saveSession(null);
  if (refresh) {
    try { await request("DELETE", "/session/token", { body: { refresh_token: refresh }, auth: false }); } catch { /* gone already */ }
  }
  emit("signed-out", "user");
}

// ---- requests ----

function urlFor(path, query) {
  const url = new URL(PREFIX + path, location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v === undefined || v === null || v === "") continue;
    if (Array.isArray(v)) v.forEach((item) => url.searchParams.append(k, item));
    else url.searchParams.set(k, String(v));
  }
  return url.pathname + url.search;
}

/** Authorization header for the current session ({} when signed out); for raw fetch()/XHR callers. */
export async function authHeaders() {
  const token = await accessToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/**
 * Call the API and return the whole envelope {code, data, msg, error?, correlation_id?}.
 * Use it where a non-zero code is an expected answer (203 = 2FA needed, 40069 = share password, …).
 * Options: body (JSON), query, auth (default true), signal, headers, rawBody (Blob/ArrayBuffer).
 */
export async function apiEnvelope(method, path, opts = {}) {
  const { body, query, auth = true, signal, headers = {}, rawBody } = opts;
  const send = async () => {
    const h = { ...headers, ...(auth ? await authHeaders() : {}) };
    let payload;
    if (rawBody !== undefined) payload = rawBody;
    else if (body !== undefined) { payload = JSON.stringify(body); h["Content-Type"] = "application/json"; }
    let response;
    try {
      response = await fetch(urlFor(path, query), { method, headers: h, body: payload, signal });
    } catch (err) {
      if (err.name === "AbortError") throw err;
      throw new ApiError(-1, "network", null);
    }
    const type = response.headers.get("content-type") || "";
    if (type.includes("event-stream")) return { code: 0, data: await lastEventData(response, "list") };
    if (!type.includes("json")) throw new ApiError(response.status || -1, `HTTP ${response.status}`);
    return response.json();
  };
  let envelope = await send();
  // 401: the access token was revoked or expired under us. Refresh once and retry.
  if (envelope.code === 401 && auth && session?.token) {
    try { await refreshToken(); } catch { return envelope; }
    envelope = await send();
  }
  return envelope;
}

/**
 * Searches may be answered as server-sent events (site setting use_sse_for_search): the hits as they
 * are found, then one `name` event carrying the whole answer's data, which is what callers get.
 */
async function lastEventData(response, name) {
  const text = await response.text();
  for (const block of text.split("\n\n").reverse()) {
    if (/^event: ?(.*)$/m.exec(block)?.[1] !== name) continue;
    return JSON.parse(block.split("\n").filter((line) => line.startsWith("data:")).map((line) => line.slice(5)).join("\n"));
  }
  throw new ApiError(-1, "network");
}

async function request(method, path, opts) {
  const envelope = await apiEnvelope(method, path, opts);
  if (envelope.code !== 0) {
    if (envelope.code === 401 && opts.auth !== false) emit("signed-out", "required");
    throw new ApiError(envelope.code, envelope.msg, envelope.data, envelope.correlation_id);
  }
  return envelope.data;
}

/** Call the API; resolves with `data`, rejects with ApiError for any non-zero code. */
export function api(method, path, opts = {}) {
  return request(method, path, opts);
}

export const get = (path, query, opts = {}) => api("GET", path, { ...opts, query });
export const post = (path, body, opts = {}) => api("POST", path, { ...opts, body });
export const put = (path, body, opts = {}) => api("PUT", path, { ...opts, body });
export const patch = (path, body, opts = {}) => api("PATCH", path, { ...opts, body });
export const del = (path, body, opts = {}) => api("DELETE", path, { ...opts, body });
