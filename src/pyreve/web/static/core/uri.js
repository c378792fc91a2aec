// cloudreve:// file URIs (see the API's file-uri contract): build, split, and show them.
export const MY_ROOT = "cloudreve://my";
export const TRASH_ROOT = "cloudreve://trash";
export const SHARED_WITH_ME = "cloudreve://shared_with_me";

// The server's component encoding: encodeURIComponent, but keeping what it keeps (and "/" split out).
export function encodeName(name) {
  return encodeURIComponent(name).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

/** Parse "cloudreve://[id[:pwd]@]fs[/path][?query]" into parts; names decoded. */
export function parseUri(uri) {
  const m = /^cloudreve:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?]+)([^?]*)(?:\?(.*))?$/i.exec(uri || "");
  if (!m) return null;
  const [, id = "", password = "", fs, rawPath = "", query = ""] = m;
  const elements = rawPath.split("/").filter(Boolean).map((s) => { try { return decodeURIComponent(s); } catch { return s; } });
  return { id: decodeURIComponent(id), password: decodeURIComponent(password), fs: fs.toLowerCase(), elements, query };
}

export function buildUri({ id = "", password = "", fs, elements = [], query = "" }) {
  const auth = id ? encodeName(id) + (password ? ":" + encodeName(password) : "") + "@" : "";
  const path = elements.map(encodeName).join("/");
  return `cloudreve://${auth}${fs}${path ? "/" + path : ""}${query ? "?" + query : ""}`;
}

export function joinUri(uri, name) {
  const p = parseUri(uri);
  return buildUri({ ...p, query: "", elements: [...p.elements, name] });
}

export function parentUri(uri) {
  const p = parseUri(uri);
  return buildUri({ ...p, query: "", elements: p.elements.slice(0, -1) });
}

export function baseName(uri) {
  const p = parseUri(uri);
  return p?.elements[p.elements.length - 1] || "";
}

export function withoutQuery(uri) {
  const p = parseUri(uri);
  return p ? buildUri({ ...p, query: "" }) : uri;
}

/** The browser URL that shows a folder: Cloudreve's own client route. */
export function homeUrl(uri) {
  return "/home?" + new URLSearchParams({ path: uri }).toString();
}
