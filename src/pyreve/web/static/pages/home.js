// /home?path=<cloudreve URI>: the file browser for every file system, and the share page. A share
// link opens for anyone: signed-out visitors get a bare page with a small header, and a password
// prompt first when the share has one.
import { h, icon, errorMessage } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { formatRelative } from "../core/format.js";
import { get, currentUser, ApiError } from "../core/api.js";
import { navigate } from "../core/router.js";
import { siteConfig } from "../core/site.js";
import { parseUri, buildUri, homeUrl, MY_ROOT } from "../core/uri.js";
import { mountBrowser } from "../files/browser.js";
import "../files/actions.js";
import "../locales/browser.js";
import "../files/share.js";
import "../files/upload.js";

function uriOf(ctx) { return ctx.query.get("path") || MY_ROOT; }
function isShareUri(uri) { return parseUri(uri)?.fs === "share"; }

/** Identity of a share visit: another share or another password means a new page. */
function shareKey(uri) {
  const p = parseUri(uri);
  return p?.fs === "share" ? `${p.id}:${p.password}` : "";
}

/** "Shared by Ada · 3 days ago · Views: 12 · Downloads: 4 · Downloads left: 6 · Expires in 2 days" */
function shareFacts(info) {
  const owner = info.owner?.nickname || t("sharepage.anonymous");
  const count = (key, n) => (Number.isInteger(n) ? t(key, { n }) : null);
  return [
    t("sharepage.by", { name: owner }),
    info.created_at ? formatRelative(info.created_at) : null,
    count("sharepage.views", info.visited),
    count("sharepage.downloads", info.downloaded),
    count("sharepage.downloadsLeft", info.remain_downloads),
    info.expires ? t("sharepage.expires", { time: formatRelative(info.expires) }) : null,
  ].filter(Boolean).join(" · ");
}

function shareHeader(info, signedIn) {
  return h("header.share-head", null,
    signedIn ? null : h("a.share-site", { href: "/", "data-link": true }, h("img", { src: document.querySelector("link[rel=icon]").href, alt: "", width: 24, height: 24 }),
      h("span", null, siteConfig().title || "pyreve")),
    info ? h("div.share-meta", null, h("h1.share-name", null, info.name || t("browser.sharedFolder")), h("p.muted", null, shareFacts(info))) : null,
    signedIn ? null : h("a.share-signin", { href: "/session?" + new URLSearchParams({ redirect: location.pathname + location.search }), "data-link": true },
      t("sharepage.signIn")));
}

function passwordForm(uri) {
  const input = h("input#share-password", { type: "password", autocomplete: "off", required: true, autofocus: true });
  const error = h("p.form-error", { role: "alert", hidden: true });
  const button = h("button.primary", { type: "submit" }, t("sharepage.open"));
  const form = h("form.card.share-lock", {
    onsubmit: async (e) => {
      e.preventDefault();
      const p = parseUri(uri);
      button.disabled = true;
      error.hidden = true;
      try {
        const checked = await get(`/share/info/${encodeURIComponent(p.id)}`, { password: input.value });
        if (!checked.unlocked) throw new ApiError(40069, "");
        navigate(homeUrl(buildUri({ ...p, password: input.value })), { replace: true });
      } catch (err) {
        error.textContent = err instanceof ApiError && err.code === 40069 ? t("sharepage.wrongPassword") : errorMessage(err);
        error.hidden = false;
        input.select();
      } finally {
        button.disabled = false;
      }
    },
  },
  h("div.share-lock-icon", null, icon("lock")),
  h("h2", null, t("sharepage.passwordTitle")),
  h("p.muted", null, t("sharepage.passwordHint")),
  h("label.field", { for: "share-password" }, h("span", null, t("sharepage.password")), input),
  error, button);
  setTimeout(() => input.focus());
  return form;
}

export default {
  auth: (ctx) => !isShareUri(uriOf(ctx)),

  async mount(outlet, ctx) {
    const uri = uriOf(ctx);
    const signedIn = !!currentUser();
    let browser = null;
    if (!isShareUri(uri)) {
      browser = mountBrowser(outlet, { uri });
      return {
        update(next) {
          const target = uriOf(next);
          if (isShareUri(target)) return false;
          browser.show(target);
          return true;
        },
        unmount() { browser.unmount(); },
      };
    }

    // A share: its header, then a password prompt or the browser.
    if (!signedIn) outlet.classList.add("share-page");
    const p = parseUri(uri);
    let info = null;
    try {
      info = await get(`/share/info/${encodeURIComponent(p.id)}`, { password: p.password, count_views: true });
    } catch (err) {
      outlet.append(shareHeader(null, signedIn), h("div.card.share-gone", { role: "alert" }, icon("link"),
        h("p", null, err instanceof ApiError && [404, 40001].includes(err.code) ? t("sharepage.gone") : errorMessage(err))));
      return { update: () => false };
    }
    document.title = info.name || t("browser.sharedFolder");
    if (!info.unlocked) {
      outlet.append(shareHeader(info, signedIn), passwordForm(uri));
      return { update: () => false };
    }
    const body = h("div.share-body");
    outlet.append(shareHeader(info, signedIn), body);
    browser = mountBrowser(body, { uri, rootLabel: info.name });
    return {
      update(next) {
        const target = uriOf(next);
        if (shareKey(target) !== shareKey(uri)) return false;
        browser.show(target);
        return true;
      },
      unmount() { browser.unmount(); },
    };
  },
};
