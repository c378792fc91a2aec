// /connect: WebDAV accounts. Each account mounts one folder at <origin>/dav with the user's email and a
// generated password, which is shown once right after the account is made.
import "../locales/settings.js";
import { h, icon, iconButton, dialog, confirmDialog, toast, toastError, copyText, clear } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { api, get, currentUser, updateUser } from "../core/api.js";
import { formatDate } from "../core/format.js";
import { MY_ROOT, parseUri, buildUri } from "../core/uri.js";
import { field, groupAllows, PERMISSION } from "./settings-common.js";

const PAGE_SIZE = 50;
const OPTION = { readonly: 0, proxy: 1 };

function hasOption(options, n) {
  try {
    const bytes = atob(options || "");
    return n >> 3 < bytes.length && Boolean(bytes.charCodeAt(n >> 3) & (1 << (n & 7)));
  } catch {
    return false;
  }
}

function mountAddress() { return `${location.origin}/dav`; }

/** "cloudreve://my/Documents" → "/Documents"; other file systems keep their URI. */
function folderLabel(uri) {
  const parsed = parseUri(uri);
  if (!parsed || parsed.fs !== "my" || parsed.query) return uri;
  return "/" + parsed.elements.join("/");
}

/** Accept a path typed by hand ("/Documents", "Documents") as well as a cloudreve:// URI. */
function folderUri(text) {
  const value = text.trim();
  if (!value) return MY_ROOT;
  if (/^cloudreve:\/\//i.test(value)) return value;
  return buildUri({ fs: "my", elements: value.split("/").filter(Boolean) });
}

function copyRow(label, value, { secret = false } = {}) {
  return h("div.copy-row", null,
    h("span.copy-label", null, label),
    h("code.copy-value" + (secret ? ".secret" : ""), { "aria-label": label }, value),
    iconButton("copy", t("connect.copyNamed", { name: label }), () => copyText(value)));
}

function connectionInfo(user) {
  return h("section.card.connect-info", { "aria-labelledby": "connect-info-title" },
    h("h2#connect-info-title", null, t("connect.howTo")),
    h("p.muted", null, t("connect.intro")),
    copyRow(t("connect.address"), mountAddress()),
    copyRow(t("connect.username"), user.email || ""),
    h("p.muted.small", null, t("connect.passwordNote")));
}

/** The account form, for creating (no `account`) or editing one. Resolves with the saved account. */
function accountDialog(account, user) {
  const name = h("input", { type: "text", name: "name", required: true, maxlength: 255, value: account?.name || "", autofocus: true });
  const folder = h("input", { type: "text", name: "uri", value: account ? folderLabel(account.uri) : "/", placeholder: "/Documents" });
  const readonly = h("input", { type: "checkbox", name: "readonly", checked: hasOption(account?.options, OPTION.readonly) });
  const proxy = h("input", { type: "checkbox", name: "proxy", checked: hasOption(account?.options, OPTION.proxy) });
  const mayProxy = groupAllows(user, PERMISSION.webdavProxy);
  const browse = h("button", { type: "button", onclick: async () => {
    const { pickFolder } = await import("../files/picker.js");
    let start = folderUri(folder.value);
    if (parseUri(start)?.fs !== "my") start = MY_ROOT;
    const chosen = await pickFolder({ title: t("connect.pickTitle"), confirmLabel: t("connect.pickHere"), start });
    if (chosen) folder.value = folderLabel(chosen);
  } }, t("connect.browse"));
  return dialog({
    title: account ? t("connect.editTitle") : t("connect.createTitle"),
    body: [
      field(t("connect.name"), name, t("connect.nameHint")),
      h("div.folder-field", null, field(t("connect.folder"), folder, t("connect.folderHint")), browse),
      h("label.check", null, readonly, h("span", null, t("connect.readonly"))),
      mayProxy ? h("label.check", null, proxy, h("span", null, t("connect.proxy"))) : null,
    ],
    actions: [
      { label: t("common.cancel") },
      { label: account ? t("common.save") : t("connect.create"), primary: true, run: async (close) => {
        const body = { name: name.value.trim(), uri: folderUri(folder.value), readonly: readonly.checked, proxy: mayProxy && proxy.checked };
        const saved = account
          ? await api("PATCH", `/devices/dav/${encodeURIComponent(account.id)}`, { body })
          : await api("PUT", "/devices/dav", { body });
        close(saved);
      } },
    ],
  });
}

function showNewPassword(account, user) {
  return dialog({
    title: t("connect.createdTitle"),
    body: [
      h("p", null, t("connect.createdIntro")),
      h("div.copy-rows", null,
        copyRow(t("connect.address"), mountAddress()),
        copyRow(t("connect.username"), user.email || ""),
        copyRow(t("connect.password"), account.password, { secret: true })),
      h("p.warning-note", { role: "note" }, icon("info"), h("span", null, t("connect.onceWarning"))),
    ],
    actions: [{ label: t("common.done"), primary: true }],
  });
}

function badges(account) {
  const list = [];
  if (hasOption(account.options, OPTION.readonly)) list.push(t("connect.readonlyBadge"));
  if (hasOption(account.options, OPTION.proxy)) list.push(t("connect.proxyBadge"));
  return list.map((text) => h("span.badge", null, text));
}

export default {
  async mount(outlet) {
    const listHost = h("div.dav-list", { role: "list", "aria-label": t("connect.accounts") });
    const more = h("button", { type: "button", hidden: true }, t("connect.loadMore"));
    const createButton = h("button.primary", { type: "button" }, icon("add"), h("span", null, t("connect.new")));
    const notice = h("p.notice", { role: "note", hidden: true }, t("connect.notAllowed"));
    const page = h("div.connect-page", null,
      h("div.page-head", null, h("h1", null, t("connect.title")), createButton),
      notice,
      h("div.connect-layout", null,
        h("section.card.connect-accounts", { "aria-labelledby": "connect-accounts-title" },
          h("h2#connect-accounts-title", null, t("connect.accounts")), listHost, more),
        h("div.connect-side")));
    outlet.append(page);

    try { updateUser(await get("/user/me")); } catch { /* keep the cached user */ }
    const user = currentUser();
    page.querySelector(".connect-side").append(connectionInfo(user));
    const allowed = groupAllows(user, PERMISSION.webdav);
    notice.hidden = allowed;
    createButton.disabled = !allowed;

    let accounts = [];
    let nextToken = "";

    const row = (account) => h("div.dav-row", { role: "listitem", dataset: { id: account.id }, "aria-label": account.name },
      h("div.dav-icon", null, icon("dav")),
      h("div.dav-main", null,
        h("div.dav-name", null, h("strong", null, account.name), badges(account)),
        h("div.dav-meta.muted", null,
          h("span", null, t("connect.folderIs", { folder: folderLabel(account.uri) })),
          h("span", null, t("connect.createdAt", { date: formatDate(account.created_at) })))),
      h("div.dav-actions", null,
        iconButton("rename", t("connect.editNamed", { name: account.name }), () => edit(account)),
        iconButton("delete", t("connect.deleteNamed", { name: account.name }), () => remove(account))));

    const render = () => {
      clear(listHost);
      if (!accounts.length) listHost.append(h("p.empty", { role: "listitem" }, t("connect.empty")));
      else listHost.append(...accounts.map(row));
      more.hidden = !nextToken;
    };

    const load = async (append = false) => {
      const data = await get("/devices/dav", { page_size: PAGE_SIZE, next_page_token: append ? nextToken : "" });
      accounts = append ? [...accounts, ...(data.accounts || [])] : data.accounts || [];
      nextToken = data.pagination?.next_token || "";
      render();
    };

    const edit = async (account) => {
      const saved = await accountDialog(account, user);
      if (!saved) return;
      accounts = accounts.map((a) => (a.id === saved.id ? saved : a));
      render();
      toast(t("connect.saved"), "success");
    };

    const remove = async (account) => {
      const yes = await confirmDialog(t("connect.deleteTitle"), t("connect.deleteConfirm", { name: account.name }),
        { confirmLabel: t("common.delete"), danger: true });
      if (!yes) return;
      try {
        await api("DELETE", `/devices/dav/${encodeURIComponent(account.id)}`);
        accounts = accounts.filter((a) => a.id !== account.id);
        render();
        toast(t("connect.deleted"), "success");
      } catch (err) { toastError(err); }
    };

    createButton.addEventListener("click", async () => {
      const created = await accountDialog(null, user);
      if (!created) return;
      accounts = [created, ...accounts];
      render();
      await showNewPassword(created, user);
    });
    more.addEventListener("click", async () => {
      more.disabled = true;
      try { await load(true); } catch (err) { toastError(err); } finally { more.disabled = false; }
    });

    await load();
    return {};
  },
};
