// /settings: profile (picture, nickname), security (password, two-factor), preferences, WebDAV link.
import "../locales/settings.js";
import { h, toast, toastError } from "../core/dom.js";
import { t, LANGUAGES, currentLanguage, setLanguage } from "../core/i18n.js";
import { api, get, patch, currentUser, updateUser } from "../core/api.js";
import { reload } from "../core/router.js";
import { teardownShell } from "../core/shell.js";
import { currentTheme, setTheme, themeColors, currentThemeColor } from "../core/theme.js";
import { loginConfig } from "../core/site.js";
import { formatDate } from "../core/format.js";
import { openShortcutHelp } from "../core/help.js";
import { avatarImage, section, field } from "./settings-common.js";
import { securitySection } from "./settings-security.js";

const AVATAR_TYPES = "image/png,image/jpeg,image/gif";

/** A form whose submit button is disabled while `save()` runs; errors are toasted, success too. */
function form(save, ...children) {
  const el = h("form.settings-form", { onsubmit: async (e) => {
    e.preventDefault();
    const buttons = el.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    try { await save(); } catch (err) { toastError(err); } finally { buttons.forEach((b) => { b.disabled = false; }); }
  } }, children);
  return el;
}

function profileSection(user) {
  const picture = h("div.settings-avatar", null, avatarImage(user));
  const showPicture = () => picture.replaceChildren(avatarImage(currentUser()));
  const fileInput = h("input", { type: "file", accept: AVATAR_TYPES, hidden: true, "aria-label": t("settings.avatarUpload"),
    onchange: async () => {
      const file = fileInput.files[0];
      fileInput.value = "";
      if (!file) return;
      try {
        await api("PUT", "/user/setting/avatar", { rawBody: file, headers: { "Content-Type": file.type || "image/png" } });
        updateUser({ avatar: "file", avatar_version: Date.now() });
        showPicture();
        toast(t("settings.avatarSaved"), "success");
      } catch (err) { toastError(err); }
    } });
  const useGravatar = async () => {
    try {
      await api("PUT", "/user/setting/avatar", { rawBody: new Blob([]) });
      updateUser({ avatar: "gravatar", avatar_version: Date.now() });
      showPicture();
      toast(t("settings.gravatarSaved"), "success");
    } catch (err) { toastError(err); }
  };
  const nick = h("input", { type: "text", name: "nick", value: user.nickname || "", required: true, maxlength: 100, autocomplete: "nickname" });
  return section("settings-profile", t("settings.profile"),
    h("div.settings-profile-head", null, picture,
      h("div.settings-avatar-actions", null,
        h("button", { type: "button", onclick: () => fileInput.click() }, t("settings.avatarUpload")),
        h("button.text", { type: "button", onclick: useGravatar }, t("settings.avatarGravatar")),
        h("small.muted", null, t("settings.avatarHint")), fileInput)),
    form(async () => {
      const value = nick.value.trim();
      await patch("/user/setting", { nick: value });
      updateUser({ nickname: value });
      toast(t("settings.nickSaved"), "success");
    }, field(t("settings.nickname"), nick), h("button.primary", { type: "submit" }, t("settings.saveNickname"))),
    h("dl.settings-facts", null,
      h("dt", null, t("settings.email")), h("dd", null, user.email || ""),
      user.group ? [h("dt", null, t("settings.group")), h("dd", null, user.group.name)] : null,
      h("dt", null, t("settings.joined")), h("dd", null, formatDate(user.created_at))),
    h("a", { href: `/profile/${encodeURIComponent(user.id)}`, "data-link": true }, t("settings.viewProfile")));
}

/** The site's theme colours as swatches; choosing one saves it as the account's `preferred_theme`. */
function themeColorPicker() {
  const colors = themeColors();
  if (colors.length < 2) return null;
  const chosen = currentThemeColor()?.key;
  const swatches = colors.map((color) => h("button.theme-swatch", {
    type: "button", role: "radio", "aria-checked": String(color.key === chosen), "aria-label": color.key,
    title: color.key, style: { background: `linear-gradient(135deg, ${color.light} 50%, ${color.dark} 50%)` },
    onclick: async (e) => {
      const swatch = e.currentTarget;
      try {
        await patch("/user/setting", { preferred_theme: color.key });
        updateUser({ preferred_theme: color.key });
        swatches.forEach((other) => other.setAttribute("aria-checked", String(other === swatch)));
        toast(t("settings.saved"), "success");
      } catch (err) { toastError(err); }
    },
  }));
  return h("div.field", null, h("span", null, t("settings.themeColor")),
    h("div.theme-swatches", { role: "radiogroup", "aria-label": t("settings.themeColor") }, swatches));
}

function preferencesSection(prefs) {
  const language = h("select", { name: "language", onchange: async () => {
    const code = language.value;
    setLanguage(code);
    try { await patch("/user/setting", { language: code }); updateUser({ language: code }); } catch (err) { toastError(err); }
    teardownShell();
    reload();
  } }, LANGUAGES.map((l) => h("option", { value: l.code, selected: l.code === currentLanguage() }, l.label)));
  const theme = h("select", { name: "theme", onchange: () => setTheme(theme.value) },
    ["light", "dark"].map((name) => h("option", { value: name, selected: currentTheme() === name }, t(`settings.theme.${name}`))));
  const profileShares = h("select", { name: "share_links_in_profile" },
    [["", "public"], ["all_share", "all"], ["hide_share", "hide"]].map(([value, key]) =>
      h("option", { value, selected: (prefs.share_links_in_profile || "") === value }, t(`settings.profileShares.${key}`))));
  profileShares.addEventListener("change", async () => {
    try {
      await patch("/user/setting", { share_links_in_profile: profileShares.value });
      toast(t("settings.saved"), "success");
    } catch (err) { toastError(err); }
  });
  const syncViews = h("input", { type: "checkbox", name: "sync_views", checked: !prefs.disable_view_sync,
    onchange: async () => {
      try {
        await patch("/user/setting", { disable_view_sync: !syncViews.checked });
        updateUser({ disable_view_sync: !syncViews.checked });
        toast(t("settings.saved"), "success");
      } catch (err) { syncViews.checked = !syncViews.checked; toastError(err); }
    } });
  return section("settings-preferences", t("settings.preferences"),
    h("div.settings-grid", null,
      field(t("settings.language"), language),
      field(t("settings.theme"), theme),
      themeColorPicker(),
      field(t("settings.profileShares"), profileShares)),
    h("label.check", null, syncViews, h("span", null, t("settings.syncViews"))),
    h("button.text", { type: "button", onclick: openShortcutHelp }, t("settings.showShortcuts")));
}

function versionsSection(prefs) {
  const enabled = h("input", { type: "checkbox", name: "version_retention_enabled", checked: Boolean(prefs.version_retention_enabled) });
  const max = h("input", { type: "number", name: "version_retention_max", min: 0, step: 1, value: prefs.version_retention_max ?? 0 });
  const exts = h("input", { type: "text", name: "version_retention_ext", value: (prefs.version_retention_ext || []).join(", "), placeholder: "docx, xlsx, md" });
  const details = h("div.settings-grid", null,
    field(t("settings.versionsMax"), max, t("settings.versionsMaxHint")),
    field(t("settings.versionsExt"), exts, t("settings.versionsExtHint")));
  const sync = () => { details.hidden = !enabled.checked; };
  enabled.addEventListener("change", sync);
  sync();
  return section("settings-versions", t("settings.versions"),
    h("p.muted", null, t("settings.versionsIntro")),
    form(async () => {
      await patch("/user/setting", {
        version_retention_enabled: enabled.checked,
        version_retention_max: Math.max(0, Number.parseInt(max.value, 10) || 0),
        version_retention_ext: exts.value.split(/[\s,;]+/).map((e) => e.replace(/^\./, "").trim()).filter(Boolean),
      });
      toast(t("settings.saved"), "success");
    },
    h("label.check", null, enabled, h("span", null, t("settings.versionsEnabled"))),
    details,
    h("button.primary", { type: "submit" }, t("common.save"))));
}

function webdavSection() {
  return section("settings-webdav", t("settings.webdav"),
    h("p.muted", null, t("settings.webdavIntro")),
    h("a.button-link", { href: "/connect", "data-link": true }, t("settings.webdavManage")));
}

export default {
  async mount(outlet) {
    const root = h("div.settings-page", null, h("h1", null, t("settings.title")), h("p.muted", { role: "status" }, t("common.loading")));
    outlet.append(root);
    // The cached user may be stale (changed in another tab or by an administrator).
    const [me, prefs, login] = await Promise.all([get("/user/me").catch(() => currentUser()), get("/user/setting"),
      loginConfig()]);
    updateUser(me);
    const user = currentUser();
    root.replaceChildren(h("h1", null, t("settings.title")),
      profileSection(user),
      securitySection(prefs, { passkeys: Boolean(login.authn) }),
      preferencesSection(prefs),
      versionsSection(prefs),
      webdavSection());
    return {};
  },
};
