// Entry point: load the site configuration, declare the routes, and render the first page.
import "./locales/common.js";
import "./core/help.js";
import { addRoute, onRender, resolve, navigate } from "./core/router.js";
import { currentUser } from "./core/api.js";
import { on } from "./core/events.js";
import { loadSiteConfig } from "./core/site.js";
import { appOutlet, bareOutlet } from "./core/shell.js";
import { toastError } from "./core/dom.js";
import { t } from "./core/i18n.js";

// Cloudreve's client routes, so links from mails, share pages and bookmarks keep working.
addRoute("/", async () => ({ default: { redirect: "/home" } }));
addRoute("/session", () => import("./pages/session.js"));
addRoute("/session/:step", () => import("./pages/session.js"));
addRoute("/home", () => import("./pages/home.js"));
addRoute("/shares", () => import("./pages/shares.js"));
addRoute("/connect", () => import("./pages/connect.js"));
addRoute("/settings", () => import("./pages/settings.js"));
addRoute("/profile/:id", () => import("./pages/profile.js"));

/** Pages that anonymous visitors may see; the file browser decides itself (share links are public). */
function needsSignIn(page, ctx) {
  return typeof page.auth === "function" ? page.auth(ctx) : page.auth !== false;
}

onRender(async (route, page, ctx) => {
  if (page.redirect) { navigate(page.redirect, { replace: true }); return null; }
  if (needsSignIn(page, ctx) && !currentUser()) {
    const back = location.pathname + location.search;
    navigate("/session?" + new URLSearchParams({ redirect: back }), { replace: true });
    return null;
  }
  const signedInLayout = page.layout !== "bare" && currentUser();
  const outlet = signedInLayout ? appOutlet() : bareOutlet();
  try {
    return await page.mount(outlet, ctx);
  } catch (err) {
    toastError(err);
    outlet.append(Object.assign(document.createElement("p"), { className: "page-error", textContent: t("error.page") }));
    return null;
  }
});

// The server says the session is gone: back to the sign-in page, then back here after it.
on("signed-out", (reason) => {
  if (reason === "user" || location.pathname.startsWith("/session")) return;
  navigate("/session?" + new URLSearchParams({ redirect: location.pathname + location.search }), { replace: true });
});

await loadSiteConfig();
await resolve();
