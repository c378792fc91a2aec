// The share dialog: create a link to a file or folder of one's own, or change an existing link,
// then show the link (and its password) ready to copy. Used by the file browser and "My shares".
import "../locales/share.js";
import { h, icon, iconButton, dialog, copyText } from "../core/dom.js";
import { get, put, post } from "../core/api.js";
import { t } from "../core/i18n.js";
import { formatDate } from "../core/format.js";

const FOLDER = 1;
const HOUR = 3600;
const DAY = 24 * HOUR;
const PASSWORD_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";
const PASSWORD_PATTERN = /^[0-9A-Za-z]{0,32}$/;

export function randomPassword(length = 8) {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => PASSWORD_ALPHABET[b % PASSWORD_ALPHABET.length]).join("");
}

/** "/s/<id>/<password>" → { link: ".../s/<id>", password }: the password is handed over separately. */
export function splitShareUrl(url, knownPassword = "") {
  try {
    const parsed = new URL(url, location.origin);
    const m = /^(.*\/s\/[^/]+)\/([^/]+)\/?$/.exec(parsed.pathname);
    if (m) return { link: parsed.origin + m[1], password: decodeURIComponent(m[2]) };
  } catch { /* not a URL: show it as it is */ }
  return { link: url, password: knownPassword };
}

/** `datetime-local` value for a date, in the browser's time zone. */
function localInputValue(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** Mark a field invalid with a readable message (shown by the browser) until it is edited. */
function refuse(input, message) {
  input.setCustomValidity(message);
  input.reportValidity();
  input.addEventListener("input", () => input.setCustomValidity(""), { once: true });
  return null;
}

/** A field whose input has a button beside it: the label names the input only. */
function labelled(text, input, button) {
  return h("div.field", null, h("label", { for: input.id }, h("span", null, text)), h("div.share-inline", null, input, button));
}

function checkbox(label, checked, onchange) {
  const box = h("input", { type: "checkbox", checked, onchange });
  return { box, row: h("label.check", null, box, h("span", null, label)) };
}

/** The form's fields, prefilled from an existing link; `read()` returns the request body or null. */
function shareForm(file, share) {
  const isFolder = file.type === FOLDER;

  const password = h("input#share-password", { type: "text", name: "password", value: share?.password || randomPassword(),
    maxlength: 32, autocomplete: "off", spellcheck: "false", "aria-describedby": "share-password-hint" });
  const passwordRow = h("div.share-sub", null,
    labelled(t("share.password"), password,
      iconButton("refresh", t("share.randomPassword"), () => { password.value = randomPassword(); password.focus(); })),
    h("p.share-hint.muted#share-password-hint", null, t("share.passwordHint")));
  const usePassword = checkbox(t("share.usePassword"), Boolean(share?.password), () => { passwordRow.hidden = !usePassword.box.checked; });
  passwordRow.hidden = !usePassword.box.checked;

  const expires = share?.expires ? new Date(share.expires) : null;
  const amount = h("input", { type: "number", min: 1, step: 1, value: 7, inputmode: "numeric", "aria-label": t("share.expireAfter") });
  const unit = h("select", { "aria-label": t("share.expireUnit") },
    h("option", { value: "days" }, t("share.unitDays")),
    h("option", { value: "hours" }, t("share.unitHours")),
    h("option", { value: "date", selected: Boolean(expires) }, t("share.unitDate")));
  const fallbackDate = new Date(Date.now() + 7 * DAY);
  const date = h("input", { type: "datetime-local", value: localInputValue(expires || fallbackDate), "aria-label": t("share.expireDate") });
  const showUnit = () => {
    const byDate = unit.value === "date";
    amount.hidden = byDate;
    date.hidden = !byDate;
  };
  unit.addEventListener("change", showUnit);
  showUnit();
  const expiryRow = h("div.share-sub", { role: "group", "aria-label": t("share.expiry") },
    h("span.share-label", { "aria-hidden": "true" }, t("share.expiry")), h("div.share-inline.share-expiry", null, amount, unit, date));
  const useExpiry = checkbox(t("share.useExpiry"), Boolean(expires), () => { expiryRow.hidden = !useExpiry.box.checked; });
  expiryRow.hidden = !useExpiry.box.checked;

  const remaining = share?.remain_downloads;
  const limit = h("input", { type: "number", min: 1, step: 1, inputmode: "numeric", value: Math.max(1, remaining ?? 1) });
  const limitRow = h("div.share-sub", null, h("label.field", null, h("span", null, t("share.downloadLimit")), limit));
  const useLimit = checkbox(t("share.useDownloadLimit"), remaining !== undefined && remaining !== null, () => { limitRow.hidden = !useLimit.box.checked; });
  limitRow.hidden = !useLimit.box.checked;

  const shareView = checkbox(t("share.shareView"), Boolean(share?.share_view));
  const showReadme = checkbox(t("share.showReadme"), Boolean(share?.show_readme));

  const node = h("div.share-form", null,
    usePassword.row, passwordRow,
    useExpiry.row, expiryRow,
    isFolder ? null : [useLimit.row, limitRow],
    isFolder ? [shareView.row, showReadme.row] : null);

  const wholeNumber = (input) => {
    const n = Number(input.value);
    return Number.isInteger(n) && n >= 1 ? n : null;
  };

  function read() {
    const body = { uri: file.path, is_private: usePassword.box.checked, share_view: shareView.box.checked,
      show_readme: showReadme.box.checked };
    if (body.is_private) {
      const value = password.value.trim();
      if (!PASSWORD_PATTERN.test(value)) return refuse(password, t("share.passwordHint"));
      body.password = value;
    }
    if (useExpiry.box.checked) {
      if (unit.value === "date") {
        const when = new Date(date.value);
        const seconds = Math.round((when.getTime() - Date.now()) / 1000);
        if (!date.value || Number.isNaN(seconds) || seconds <= 0) return refuse(date, t("share.expireInPast"));
        body.expire = seconds;
      } else {
        const n = wholeNumber(amount);
        if (n === null) return refuse(amount, t("share.invalidNumber"));
        body.expire = n * (unit.value === "hours" ? HOUR : DAY);
      }
    }
    if (!isFolder && useLimit.box.checked) {
      const n = wholeNumber(limit);
      if (n === null) return refuse(limit, t("share.invalidNumber"));
      body.downloads = n;
    }
    return body;
  }

  return { node, read };
}

/** The links a file already has, each with copy and edit; empty when it has none. */
function existingLinks(file, host, onEdit) {
  get("/file/info", { uri: file.path, extended: true }).then((info) => {
    const shares = info?.extended_info?.shares || [];
    if (!shares.length) return;
    host.append(h("h3.share-section", null, t("share.existing")), h("ul.share-existing", null, shares.map((share) => {
      const { link } = splitShareUrl(share.url, share.password);
      return h("li", null,
        h("span.share-existing-link", null, share.expired ? h("span.share-badge.expired", null, t("share.expired")) : null,
          h("span.share-url", { title: link }, link)),
        iconButton("copy", t("share.copyLink"), () => copyText(link)),
        h("button.text", { type: "button", onclick: () => onEdit(share) }, t("share.edit")));
    })), h("h3.share-section", null, t("share.newLink")));
  }).catch(() => { /* the list is a convenience: creating a link still works */ });
}

/**
 * Create a link to `file` ({path, name, type}), or edit `share` when given.
 * Resolves with the link's URL once saved (after the link was shown), undefined when dismissed.
 */
export async function openShareDialog(file, { share } = {}) {
  const form = shareForm(file, share);
  const existing = h("div.share-existing-host");
  let editInstead = null;
  const url = await dialog({
    title: share ? t("share.editTitle", { name: file.name }) : t("share.title", { name: file.name }),
    body: [share ? null : existing, form.node],
    actions: [
      { label: t("common.cancel") },
      { label: share ? t("share.saveChanges") : t("share.create"), primary: true, run: async (close) => {
        const body = form.read();
        if (!body) return;
        close(share ? await post(`/share/${encodeURIComponent(share.id)}`, body) : await put("/share", body));
      } },
    ],
    onOpen: (el) => {
      // dialog() closes only through its own buttons: "Edit" dismisses this one, then the edit form opens.
      if (!share) existingLinks(file, existing, (chosen) => { editInstead = chosen; el.querySelector(".dialog-head .icon-button").click(); });
    },
  });
  if (editInstead) return openShareDialog(file, { share: editInstead });
  if (!url) return undefined;
  await showLink(url, file.name, share ? t("share.updated") : t("share.created"));
  return url;
}

/** The link, and the password apart from it, with copy buttons. */
export function showLink(url, name, outcome) {
  const { link, password } = splitShareUrl(url);
  const linkInput = h("input#share-link", { type: "text", readonly: true, value: link });
  const rows = [labelled(t("share.link"), linkInput, iconButton("copy", t("share.copyLink"), () => copyText(link)))];
  if (password) {
    const passwordInput = h("input#share-link-password", { type: "text", readonly: true, value: password });
    rows.push(labelled(t("share.password"), passwordInput, iconButton("copy", t("share.copyPassword"), () => copyText(password))));
  }
  return dialog({
    title: t("share.title", { name }),
    body: h("div.share-result", null, h("p.share-done", null, icon("check"), h("span", null, outcome)), rows),
    actions: [
      { label: password ? t("share.copyBoth") : t("share.copyLink"), run: async () => {
        await copyText(password ? t("share.clipboardText", { link, password }) : link);
      } },
      { label: t("common.done"), primary: true, value: true },
    ],
    onOpen: () => { setTimeout(() => linkInput.select()); },
  });
}

/** Shown next to links: when a link stops working. */
export function expiryText(share) {
  if (!share.expires) return t("share.noExpiry");
  const past = new Date(share.expires).getTime() <= Date.now();
  return t(past ? "share.expiredOn" : "share.expires", { when: formatDate(share.expires) });
}

/** "1 view" / "3 views": English needs the singular, the other languages say the same thing twice. */
export function countText(key, n) {
  return t(n === 1 ? `${key}.one` : key, { n });
}
