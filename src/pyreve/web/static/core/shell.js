// The signed-in layout: top bar, sidebar (navigation, pins, capacity), and the page outlet.
import { h, icon, iconButton, openMenu, toastError, clear } from "./dom.js";
import { t, LANGUAGES, setLanguage, currentLanguage } from "./i18n.js";
import { currentUser, signOut, get, updateUser } from "./api.js";
import { on } from "./events.js";
import { navigate, reload, currentQuery } from "./router.js";
import { siteConfig } from "./site.js";
import { toggleTheme, currentTheme } from "./theme.js";
import { formatSize } from "./format.js";
import { MY_ROOT, TRASH_ROOT, SHARED_WITH_ME, homeUrl, parseUri } from "./uri.js";
import { register as registerShortcut } from "./shortcuts.js";

let shell = null; // { root, outlet, sidebar }
let subscriptions = []; // unsubscribe functions of the mounted shell

export function avatarUrl(user) {
  // A new picture gets a new address: browsers keep the old one cached for a day. (`nocache` is a boolean.)
  const version = user.avatar_version ? `?v=${user.avatar_version}` : "";
  return `/api/v4/user/avatar/${encodeURIComponent(user.id)}${version}`;
}

function navItem(href, iconName, label, isActive) {
  const a = h("a.nav-item", { href, "data-link": true }, icon(iconName), h("span", null, label));
  a.isActive = isActive;
  return a;
}

function markActive(sidebar) {
  const path = location.pathname;
  const uri = currentQuery().get("path") || "";
  for (const a of sidebar.querySelectorAll(".nav-item")) {
    const active = a.isActive ? a.isActive(path, uri) : a.getAttribute("href") === path;
    a.classList.toggle("active", active);
    if (active) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
}

function fsOf(uri) { return parseUri(uri)?.fs || "my"; }

/** Entries dragged (or files dropped) onto a link to a folder of one's own go into that folder. */
function acceptDrops(link, uri) {
  const target = parseUri(uri);
  if (target?.fs === "my" && !target.query) { link.dataset.dropUri = uri; link.draggable = false; }
  return link;
}

function buildSidebar() {
  const pins = h("div.pins", { role: "group", "aria-label": t("nav.pins") });
  const meter = h("div.capacity", { "aria-live": "polite" });
  const sidebar = h("nav.sidebar", { "aria-label": t("nav.main") },
    acceptDrops(navItem(homeUrl(MY_ROOT), "home", t("nav.myFiles"), (p, u) => p === "/home" && (!u || fsOf(u) === "my") && !u.includes("?")), MY_ROOT),
    navItem(homeUrl(SHARED_WITH_ME), "share", t("nav.sharedWithMe"), (p, u) => p === "/home" && fsOf(u) === "shared_with_me"),
    navItem(homeUrl(TRASH_ROOT), "trash", t("nav.trash"), (p, u) => p === "/home" && fsOf(u) === "trash"),
    navItem("/shares", "link", t("nav.myShares")),
    navItem("/connect", "dav", t("nav.webdav")),
    navItem("/settings", "settings", t("nav.settings")),
    pins, meter);
  renderPins(pins);
  renderCapacity(meter);
  subscriptions.push(
    on("pins-changed", async () => {
      try { updateUser({ pined: (await get("/user/me")).pined || [] }); } catch { /* keep the old list */ }
      renderPins(pins);
    }),
    on("capacity-changed", () => renderCapacity(meter)));
  return sidebar;
}

function renderPins(host) {
  const pins = currentUser()?.pined || [];
  clear(host);
  if (!pins.length) return;
  host.append(h("h3.nav-heading", null, t("nav.pins")),
    ...pins.map((pin) => acceptDrops(navItem(homeUrl(pin.uri), "pin", pin.name || parseUri(pin.uri)?.elements.at(-1) || pin.uri,
      (p, u) => p === "/home" && u === pin.uri), pin.uri)));
  markActive(host.closest(".sidebar") || host);
}

let capacityTimer = null;
function renderCapacity(host) {
  clearTimeout(capacityTimer);
  capacityTimer = setTimeout(async () => {
    try {
      const cap = await get("/user/capacity");
      const ratio = cap.total ? Math.min(1, cap.used / cap.total) : 0;
      clear(host).append(
        h("div.capacity-label", null, icon("cloud"), h("span", null, t("nav.capacity"))),
        h("progress", { max: 1, value: ratio, "aria-label": t("nav.capacity") }),
        h("div.capacity-text", null, t("nav.capacityUsed", { used: formatSize(cap.used), total: formatSize(cap.total) })));
    } catch { /* signed out or offline: leave it */ }
  }, 100);
}

function buildTopbar(toggleSidebar) {
  const user = currentUser();
  const search = h("input.search-input", { type: "search", placeholder: t("nav.search"), "aria-label": t("nav.search"), name: "q" });
  const form = h("form.search", { role: "search", onsubmit: (e) => {
    e.preventDefault();
    const q = search.value.trim();
    if (!q) return;
    navigate(homeUrl(`${MY_ROOT}?${new URLSearchParams({ name: q, case_folding: "true" })}`));
  } }, icon("search"), search, iconButton("tune", t("nav.advancedSearch"), async () => {
    // Prefilled from where the person is: a folder (or a search) of My files.
    const here = location.pathname === "/home" ? new URLSearchParams(location.search).get("path") : null;
    const { advancedSearch } = await import("../files/advanced-search.js");
    advancedSearch(here || undefined);
  }));
  registerShortcut("/", () => { search.focus(); }, t("shortcut.search"));
  // The box shows the words of the search on show, and empties on leaving it (unless being typed in).
  subscriptions.push(on("route", (ctx) => {
    if (document.activeElement === search) return;
    const shown = ctx.path === "/home" ? parseUri(ctx.query.get("path") || "") : null;
    search.value = shown ? new URLSearchParams(shown.query).getAll("name").join(" ") : "";
  }));
  // No picture yet (the server answers 404): a person icon instead of a broken image.
  const avatarFallback = h("span.avatar.avatar-fallback", { hidden: true }, icon("user"));
  const avatarImg = h("img.avatar", { src: avatarUrl(user), alt: "", width: 32, height: 32,
    onerror: () => { avatarImg.hidden = true; avatarFallback.hidden = false; },
    onload: () => { avatarImg.hidden = false; avatarFallback.hidden = true; } });
  const avatar = h("button.avatar-button", { type: "button", "aria-label": t("nav.account"), title: user.nickname || user.email,
    onclick: (e) => openMenu(e.currentTarget, [
      { label: currentUser().nickname || currentUser().email, icon: "user", run: () => navigate("/settings") },
      "-",
      { label: t("nav.settings"), icon: "settings", run: () => navigate("/settings") },
      { label: t("nav.signOut"), icon: "logout", run: async () => { await signOut(); navigate("/session", { replace: true }); } },
    ]) }, avatarImg, avatarFallback);
  // The settings page changes the nickname and picture: follow it.
  subscriptions.push(on("session", (next) => {
    if (!next?.user) return;
    avatar.title = next.user.nickname || next.user.email;
    if (avatarImg.getAttribute("src") !== avatarUrl(next.user)) avatarImg.src = avatarUrl(next.user);
  }));
  const logo = siteConfig().title || "pyreve";
  return h("header.topbar", null,
    iconButton("menu", t("nav.toggleMenu"), toggleSidebar, { class: "only-narrow" }),
    h("a.brand", { href: homeUrl(MY_ROOT), "data-link": true }, h("img", { src: document.querySelector("link[rel=icon]").href, alt: "", width: 28, height: 28 }), h("span", null, logo)),
    form,
    h("div.topbar-actions", null,
      iconButton(currentTheme() === "dark" ? "light" : "dark", t("nav.toggleTheme"), (e) => {
        toggleTheme();
        e.currentTarget.replaceChildren(icon(currentTheme() === "dark" ? "light" : "dark"));
      }),
      iconButton("language", t("nav.language"), (e) => openMenu(e.currentTarget, LANGUAGES.map((l) => ({
        label: l.label, icon: l.code === currentLanguage() ? "check" : null,
        run: () => { setLanguage(l.code); teardownShell(); reload(); },
      })))),
      avatar));
}

/** Mount the app layout (once) and return the element pages render into. */
export function appOutlet() {
  if (shell && document.body.contains(shell.root)) return clear(shell.outlet);
  const app = document.getElementById("app");
  const outlet = h("main.outlet#main", { tabindex: "-1" });
  let sidebar;
  const scrim = h("div.scrim", { onclick: () => root.classList.remove("sidebar-open") });
  const toggle = () => root.classList.toggle("sidebar-open");
  const root = h("div.layout", null, buildTopbar(toggle), h("div.layout-body", null, sidebar = buildSidebar(), scrim, outlet));
  clear(app).append(h("a.skip-link", { href: "#main" }, t("nav.skip")), root);
  app.removeAttribute("aria-busy");
  shell = { root, outlet, sidebar };
  subscriptions.push(on("route", () => { markActive(sidebar); root.classList.remove("sidebar-open"); }));
  return outlet;
}

/** Full-page layout for signed-out pages (sign-in, sign-up, share pages for visitors). */
export function bareOutlet() {
  teardownShell();
  const app = document.getElementById("app");
  const outlet = h("main.bare#main");
  clear(app).append(outlet);
  app.removeAttribute("aria-busy");
  return outlet;
}

export function teardownShell() {
  subscriptions.forEach((off) => off());
  subscriptions = [];
  shell = null;
}

export { toastError };
