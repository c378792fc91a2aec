// Client-side routing over the History API, on Cloudreve's client routes.
//
// A page module's default export:
//   { layout: "app" | "bare", auth: true|false,
//     mount(container, ctx) -> { update?(ctx) -> boolean, unmount?() } }
// ctx = { path, params, query: URLSearchParams }. When only the query changes on the same route and
// the page has update(), update(ctx) is called instead of mounting again (it returns false to refuse).
import { emit } from "./events.js";

const routes = [];
let current = null; // { route, instance, container }
let renderFn = null;

/** `pattern` like "/profile/:id"; `load` returns the page module (a dynamic import). */
export function addRoute(pattern, load) {
  const names = [];
  const regex = new RegExp("^" + pattern.replace(/:(\w+)/g, (m, n) => { names.push(n); return "([^/]+)"; }) + "/?$");
  routes.push({ pattern, regex, names, load });
}

/** `render(route, page, ctx)` is the app shell's hook that picks the layout and mounts the page. */
export function onRender(fn) { renderFn = fn; }

export function navigate(url, { replace = false } = {}) {
  const target = new URL(url, location.origin);
  if (target.origin !== location.origin) { location.href = url; return; }
  const next = target.pathname + target.search + target.hash;
  if (next === location.pathname + location.search + location.hash && !replace) return resolve();
  history[replace ? "replaceState" : "pushState"](null, "", next);
  return resolve();
}

export function currentQuery() { return new URLSearchParams(location.search); }

/** Re-run the current route from scratch (after a language change, sign-in, …). */
export function reload() {
  if (current?.instance?.unmount) current.instance.unmount();
  current = null;
  return resolve();
}

export async function resolve() {
  const path = location.pathname;
  const query = new URLSearchParams(location.search);
  for (const route of routes) {
    const m = path.match(route.regex);
    if (!m) continue;
    const params = Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
    const ctx = { path, params, query };
    if (current?.route === route && current.instance?.update && current.instance.update(ctx) !== false) {
      emit("route", ctx);
      return;
    }
    const page = (await route.load()).default;
    if (current?.instance?.unmount) current.instance.unmount();
    current = { route, instance: null };
    current.instance = await renderFn(route, page, ctx);
    emit("route", ctx);
    return;
  }
  navigate("/home", { replace: true });
}

// Links inside the app: <a href="/home?..." data-link> navigates without a page load.
document.addEventListener("click", (e) => {
  const a = e.target.closest("a[data-link]");
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || a.target) return;
  e.preventDefault();
  navigate(a.getAttribute("href"));
});
window.addEventListener("popstate", () => resolve());
