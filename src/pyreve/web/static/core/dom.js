// DOM building blocks shared by every page: h() elements, icons, toasts, dialogs, menus.
import { t } from "./i18n.js";
import { ApiError } from "./api.js";

/**
 * h("button.primary", { onclick, "aria-label": "x" }, "Text", childNode, [more], null)
 * Tag may carry .classes and #id. Props starting with "on" are listeners; `class`, `style` (object or
 * string), `dataset` (object) and boolean attributes are handled; other props become attributes,
 * except known DOM properties (value, checked, …) which are set directly.
 */
export function h(tag, props, ...children) {
  const [name, ...rest] = tag.split(/(?=[.#])/);
  const el = document.createElement(name || "div");
  for (const part of rest) {
    if (part[0] === ".") el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  if (props && (typeof props !== "object" || props instanceof Node || Array.isArray(props))) {
    children.unshift(props);
    props = null;
  }
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key === "class") el.className += (el.className ? " " : "") + value;
    else if (key === "style" && typeof value === "object") Object.assign(el.style, value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key in PROPS) el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}
const PROPS = { value: 1, checked: 1, selected: 1, indeterminate: 1, textContent: 1, innerHTML: 1, disabled: 1, multiple: 1 };

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) { el.replaceChildren(); return el; }

// ---- icons: inline SVG paths (Material Symbols outlines, 24px grid) ----
const ICONS = {
  folder: "M10 4H4a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V8a2 2 0 0 0-2-2h-8z",
  file: "M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8zm-1 7V3.5L18.5 9z",
  image: "M21 19V5a2 2 0 0 0-2-2H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2M8.5 13.5l2.5 3 3.5-4.5 4.5 6H5z",
  video: "M17 10.5V7a1 1 0 0 0-1-1H4a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1v-3.5l4 4v-11z",
  audio: "M12 3v10.55A4 4 0 1 0 14 17V7h4V3z",
  text: "M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8zM16 18H8v-2h8zm0-4H8v-2h8zm-3-5V3.5L18.5 9z",
  pdf: "M20 2H8a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V4a2 2 0 0 0-2-2M4 6H2v14a2 2 0 0 0 2 2h14v-2H4z",
  archive: "M20 6h-8l-2-2H4a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V8a2 2 0 0 0-2-2m-2 6h-2v2h2v2h-2v2h-2v-2h2v-2h-2v-2h2v-2h-2V8h2v2h2z",
  code: "M9.4 16.6 4.8 12l4.6-4.6L8 6l-6 6 6 6zm5.2 0 4.6-4.6-4.6-4.6L16 6l6 6-6 6z",
  upload: "M9 16h6v-6h4l-7-7-7 7h4zm-4 2h14v2H5z",
  download: "M19 9h-4V3H9v6H5l7 7zM5 18v2h14v-2z",
  add: "M19 13h-6v6h-2v-6H5v-2h6V5h2v6h6z",
  "create-folder": "M20 6h-8l-2-2H4a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V8a2 2 0 0 0-2-2m-1 8h-3v3h-2v-3h-3v-2h3V9h2v3h3z",
  delete: "M6 19a2 2 0 0 0 2 2h8a2 2 0 0 0 2-2V7H6zM19 4h-3.5l-1-1h-5l-1 1H5v2h14z",
  restore: "M13 3a9 9 0 0 0-9 9H1l3.89 3.89.07.14L9 12H6a7 7 0 1 1 2.05 4.95l-1.42 1.42A9 9 0 1 0 13 3m-1 5v5l4.28 2.54.72-1.21-3.5-2.08V8z",
  rename: "M3 17.25V21h3.75L17.81 9.94l-3.75-3.75zM20.71 7.04a1 1 0 0 0 0-1.41l-2.34-2.34a1 1 0 0 0-1.41 0l-1.83 1.83 3.75 3.75z",
  move: "M10 9h4V6h3l-5-5-5 5h3zm-1 1H6V7l-5 5 5 5v-3h3zm14 2-5-5v3h-3v4h3v3zm-9 3h-4v3H7l5 5 5-5h-3z",
  copy: "M16 1H4a2 2 0 0 0-2 2v14h2V3h12zm3 4H8a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h11a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2m0 16H8V7h11z",
  share: "M18 16.08c-.76 0-1.44.3-1.96.77L8.91 12.7a2.7 2.7 0 0 0 0-1.39l7.05-4.11A3 3 0 1 0 15 5a3 3 0 0 0 .04.7L8.04 9.81a3 3 0 1 0 0 4.38l7.12 4.16a2.8 2.8 0 0 0-.08.65A2.92 2.92 0 1 0 18 16.08",
  link: "M3.9 12A3.1 3.1 0 0 1 7 8.9h4V7H7a5 5 0 0 0 0 10h4v-1.9H7A3.1 3.1 0 0 1 3.9 12M8 13h8v-2H8zm9-6h-4v1.9h4a3.1 3.1 0 0 1 0 6.2h-4V17h4a5 5 0 0 0 0-10",
  info: "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20m1 15h-2v-6h2zm0-8h-2V7h2z",
  history: "M13 3a9 9 0 0 0-9 9H1l3.89 3.89.07.14L9 12H6a7 7 0 1 1 2.05 4.95l-1.42 1.42A9 9 0 1 0 13 3m-1 5v5l4.28 2.54.72-1.21-3.5-2.08V8z",
  tag: "M21.41 11.58l-9-9A2 2 0 0 0 11 2H4a2 2 0 0 0-2 2v7a2 2 0 0 0 .59 1.42l9 9A2 2 0 0 0 13 22a2 2 0 0 0 1.41-.59l7-7A2 2 0 0 0 22 13a2 2 0 0 0-.59-1.42M5.5 7A1.5 1.5 0 1 1 7 5.5 1.5 1.5 0 0 1 5.5 7",
  pin: "M16 12V4h1V2H7v2h1v8l-2 2v2h5.2v6h1.6v-6H18v-2z",
  search: "M15.5 14h-.79l-.28-.27A6.47 6.47 0 0 0 16 9.5 6.5 6.5 0 1 0 9.5 16c1.61 0 3.09-.59 4.23-1.57l.27.28v.79l5 4.99L20.49 19zm-6 0C7.01 14 5 11.99 5 9.5S7.01 5 9.5 5 14 7.01 14 9.5 11.99 14 9.5 14",
  close: "M19 6.41 17.59 5 12 10.59 6.41 5 5 6.41 10.59 12 5 17.59 6.41 19 12 13.41 17.59 19 19 17.59 13.41 12z",
  menu: "M3 18h18v-2H3zm0-5h18v-2H3zm0-7v2h18V6z",
  more: "M12 8a2 2 0 1 0 0-4 2 2 0 0 0 0 4m0 2a2 2 0 1 0 0 4 2 2 0 0 0 0-4m0 6a2 2 0 1 0 0 4 2 2 0 0 0 0-4",
  grid: "M4 11h5V5H4zm0 7h5v-6H4zm6 0h5v-6h-5zm6 0h5v-6h-5zm-6-7h5V5h-5zm6-6v6h5V5z",
  list: "M3 13h2v-2H3zm0 4h2v-2H3zm0-8h2V7H3zm4 4h14v-2H7zm0 4h14v-2H7zM7 7v2h14V7z",
  sort: "M3 18h6v-2H3zM3 6v2h18V6zm0 7h12v-2H3z",
  home: "M10 20v-6h4v6h5v-8h3L12 3 2 12h3v8z",
  trash: "M6 19a2 2 0 0 0 2 2h8a2 2 0 0 0 2-2V7H6zM19 4h-3.5l-1-1h-5l-1 1H5v2h14z",
  settings: "M19.14 12.94a7 7 0 0 0 .06-.94 7 7 0 0 0-.06-.94l2.03-1.58a.5.5 0 0 0 .12-.61l-1.92-3.32a.5.5 0 0 0-.59-.22l-2.39.96a7 7 0 0 0-1.62-.94l-.36-2.54a.48.48 0 0 0-.48-.41h-3.84a.48.48 0 0 0-.47.41l-.36 2.54a7.4 7.4 0 0 0-1.62.94l-2.39-.96a.5.5 0 0 0-.59.22L2.74 8.87a.47.47 0 0 0 .12.61l2.03 1.58a7 7 0 0 0-.06.94c0 .31.02.64.06.94l-2.03 1.58a.5.5 0 0 0-.12.61l1.92 3.32c.12.22.37.29.59.22l2.39-.96c.5.38 1.03.7 1.62.94l.36 2.54c.05.24.24.41.48.41h3.84c.24 0 .44-.17.47-.41l.36-2.54a7 7 0 0 0 1.62-.94l2.39.96c.22.08.47 0 .59-.22l1.92-3.32a.47.47 0 0 0-.12-.61zM12 15.6A3.6 3.6 0 1 1 15.6 12 3.6 3.6 0 0 1 12 15.6",
  cloud: "M19.35 10.04A7.49 7.49 0 0 0 12 4C9.11 4 6.6 5.64 5.35 8.04A6 6 0 0 0 0 14a6 6 0 0 0 6 6h13a5 5 0 0 0 .35-9.96",
  user: "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8m0 2c-2.67 0-8 1.34-8 4v2h16v-2c0-2.66-5.33-4-8-4",
  logout: "M17 7l-1.41 1.41L18.17 11H8v2h10.17l-2.58 2.58L17 17l5-5zM4 5h8V3H4a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h8v-2H4z",
  dark: "M12 3a9 9 0 1 0 9 9 7 7 0 0 1-9-9",
  light: "M12 7a5 5 0 1 0 0 10 5 5 0 0 0 0-10M2 13h2a1 1 0 0 0 0-2H2a1 1 0 0 0 0 2m18 0h2a1 1 0 0 0 0-2h-2a1 1 0 0 0 0 2M11 2v2a1 1 0 0 0 2 0V2a1 1 0 0 0-2 0m0 18v2a1 1 0 0 0 2 0v-2a1 1 0 0 0-2 0",
  language: "M12.87 15.07l-2.54-2.51.03-.03A17.5 17.5 0 0 0 14.07 6H17V4h-7V2H8v2H1v2h11.17C11.5 7.92 10.44 9.75 9 11.35 8.07 10.32 7.3 9.19 6.69 8h-2c.73 1.63 1.73 3.17 2.98 4.56l-5.09 5.02L4 19l5-5 3.11 3.11zM18.5 10h-2L12 22h2l1.12-3h4.75L21 22h2zm-2.62 7 1.62-4.33L19.12 17z",
  dav: "M4 1h16a1 1 0 0 1 1 1v4a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V2a1 1 0 0 1 1-1m0 8h16a1 1 0 0 1 1 1v4a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1v-4a1 1 0 0 1 1-1m0 8h16a1 1 0 0 1 1 1v4a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1v-4a1 1 0 0 1 1-1M9 5h1V3H9zm0 8h1v-2H9zm0 8h1v-2H9zM5 3v2h2V3zm0 8v2h2v-2zm0 8v2h2v-2z",
  check: "M9 16.17 4.83 12l-1.42 1.41L9 19 21 7l-1.41-1.41z",
  chevron: "M10 6 8.59 7.41 13.17 12l-4.58 4.59L10 18l6-6z",
  back: "M20 11H7.83l5.59-5.59L12 4l-8 8 8 8 1.41-1.41L7.83 13H20z",
  key: "M12.65 10A6 6 0 0 0 1 12a6 6 0 0 0 11.65 2H17v4h4v-4h2v-4zM7 14a2 2 0 1 1 0-4 2 2 0 0 1 0 4",
  lock: "M18 8h-1V6A5 5 0 0 0 7 6v2H6a2 2 0 0 0-2 2v10a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V10a2 2 0 0 0-2-2m-6 9a2 2 0 1 1 0-4 2 2 0 0 1 0 4m3.1-9H8.9V6a3.1 3.1 0 0 1 6.2 0z",
  refresh: "M17.65 6.35A7.96 7.96 0 0 0 12 4a8 8 0 1 0 7.73 10h-2.08A6 6 0 1 1 12 6c1.66 0 3.14.69 4.22 1.78L13 11h7V4z",
  zoomIn: "M15.5 14h-.79l-.28-.27A6.47 6.47 0 0 0 16 9.5 6.5 6.5 0 1 0 9.5 16c1.61 0 3.09-.59 4.23-1.57l.27.28v.79l5 4.99L20.49 19zm-6 0C7.01 14 5 11.99 5 9.5S7.01 5 9.5 5 14 7.01 14 9.5 11.99 14 9.5 14m.5-7H9v2H7v1h2v2h1v-2h2V9h-2z",
  zoomOut: "M15.5 14h-.79l-.28-.27A6.47 6.47 0 0 0 16 9.5 6.5 6.5 0 1 0 9.5 16c1.61 0 3.09-.59 4.23-1.57l.27.28v.79l5 4.99L20.49 19zm-6 0C7.01 14 5 11.99 5 9.5S7.01 5 9.5 5 14 7.01 14 9.5 11.99 14 9.5 14M7 9h5v1H7z",
  tune: "M3 17v2h6v-2zm0-12v2h10V5zm10 16v-2h8v-2h-8v-2h-2v6zM7 9v2H3v2h4v2h2V9zm14 4v-2H11v2zm-6-4h2V7h4V5h-4V3h-2z",
  save: "M17 3H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2V7zm-5 16a3 3 0 1 1 0-6 3 3 0 0 1 0 6m3-10H5V5h10z",
};

export function icon(name, label) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", "icon");
  if (label) { svg.setAttribute("role", "img"); svg.setAttribute("aria-label", label); }
  else svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", ICONS[name] || ICONS.file);
  svg.append(path);
  return svg;
}

/** An icon-only button; `label` is its accessible name and tooltip. */
export function iconButton(name, label, onclick, props = {}) {
  return h("button.icon-button", { type: "button", "aria-label": label, title: label, onclick, ...props }, icon(name));
}

// ---- errors and toasts ----

/** A readable message for any error: translated by code when we have words for it, else the server's text. */
export function errorMessage(err) {
  if (err instanceof ApiError) {
    const key = `error.${err.code}`;
    const translated = t(key);
    if (translated !== key) return translated;
    if (err.code === -1) return t("error.network");
    return err.message && !/^Error \d+$/.test(err.message) ? err.message : t("error.unknown");
  }
  if (err?.name === "AbortError") return t("error.cancelled");
  return t("error.unknown");
}

let toastHost;
export function toast(message, kind = "info", { timeout = 4000, action } = {}) {
  toastHost ||= document.body.appendChild(h("div.toasts", { role: "status", "aria-live": "polite" }));
  const el = h(`div.toast.${kind}`, null, h("span", null, message),
    action ? h("button.text", { type: "button", onclick: () => { action.run(); el.remove(); } }, action.label) : null,
    iconButton("close", t("common.close"), () => el.remove()));
  toastHost.append(el);
  if (timeout) setTimeout(() => el.remove(), timeout);
  return el;
}

// ---- drag and drop: the one place being dropped on is outlined ----

let dropTarget = null;
export function highlightDropTarget(target) {
  if (dropTarget === target) return;
  dropTarget?.classList.remove("drop-active");
  dropTarget = target;
  target?.classList.add("drop-active");
}
// Leaving the outlined place for one that is not a drop target (or the window) clears it.
document.addEventListener("dragleave", (e) => {
  if (dropTarget && !dropTarget.contains(e.relatedTarget)) highlightDropTarget(null);
});

// ---- remedies: a feature offers a way out of an error it knows (force-unlocking a lock conflict) ----

const remedies = [];

/** `remedy`: { applies(err) → bool, label() → string, run(err) → Promise }; offered as a button next to the error. */
export function registerErrorRemedy(remedy) { remedies.push(remedy); }

const remedyFor = (err) => remedies.find((r) => r.applies(err));

export function toastError(err) {
  if (err?.name === "AbortError") return;
  console.error(err);
  const remedy = remedyFor(err);
  toast(errorMessage(err), "error", {
    timeout: remedy ? 12000 : 6000,
    action: remedy && { label: remedy.label(), run: () => remedy.run(err).catch(toastError) },
  });
}

/** An error inside a dialog: the message, and the remedy's button when there is one (it hides the box once done). */
function showDialogError(box, err) {
  const remedy = remedyFor(err);
  box.replaceChildren(errorMessage(err), remedy ? h("button.text.dialog-remedy", { type: "button", onclick: async () => {
    try { await remedy.run(err); box.hidden = true; } catch (e) { toastError(e); }
  } }, remedy.label()) : "");
  box.hidden = false;
}

// ---- dialogs ----

let dialogCount = 0;

/**
 * A modal dialog. `body` is a node (or list); `actions` are [{label, primary?, danger?, value?, run?}].
 * `run(close)` may be async; throwing keeps the dialog open and shows the error inside it.
 * Resolves with the chosen action's `value` (or undefined when dismissed).
 */
export function dialog({ title, body, actions = [], wide = false, onOpen }) {
  return new Promise((resolve) => {
    const errorBox = h("p.dialog-error", { role: "alert", hidden: true });
    // Its own title id: a dialog opened from another one (a folder picker) must not take the first one's name.
    const titleId = `dlg-title-${++dialogCount}`;
    const el = h("dialog.dialog" + (wide ? ".wide" : ""), { "aria-labelledby": titleId });
    const close = (value) => { el.close(); el.remove(); resolve(value); };
    const buttons = actions.map((a) => h(`button${a.primary ? ".primary" : ""}${a.danger ? ".danger" : ""}`, {
      type: a.primary ? "submit" : "button", autofocus: a.autofocus,
      onclick: async (e) => {
        e.preventDefault();
        if (!a.run) { close(a.value); return; }
        errorBox.hidden = true;
        buttons.forEach((b) => { b.disabled = true; });
        try { await a.run(close); } catch (err) { showDialogError(errorBox, err); }
        finally { buttons.forEach((b) => { b.disabled = false; }); }
      },
    }, a.label));
    const form = h("form.dialog-form", { method: "dialog" },
      h("header.dialog-head", null, h(`h2#${titleId}`, null, title), iconButton("close", t("common.close"), () => close())),
      h("div.dialog-body", null, body), errorBox, buttons.length ? h("footer.dialog-actions", null, buttons) : null);
    form.addEventListener("submit", (e) => { e.preventDefault(); buttons.find((b) => b.type === "submit")?.click(); });
    el.append(form);
    el.addEventListener("cancel", (e) => { e.preventDefault(); close(); });
    document.body.append(el);
    el.showModal();
    onOpen?.(el);
    const first = el.querySelector("[autofocus]") || el.querySelector("input, select, textarea");
    if (first) { first.focus(); if (first.select && first.type === "text") first.select(); }
  });
}

export function confirmDialog(title, message, { confirmLabel = t("common.ok"), danger = false } = {}) {
  return dialog({ title, body: h("p", null, message), actions: [
    { label: t("common.cancel"), value: false },
    { label: confirmLabel, primary: true, danger, value: true },
  ] }).then((v) => v === true);
}

/** Ask for one line of text. `submit(value)` may throw to keep the dialog open with the error shown. */
export function promptDialog(title, { label, value = "", confirmLabel = t("common.ok"), submit } = {}) {
  const input = h("input", { type: "text", value, "aria-label": label || title, autofocus: true, required: true });
  return dialog({ title, body: h("label.field", null, label ? h("span", null, label) : null, input), actions: [
    { label: t("common.cancel") },
    { label: confirmLabel, primary: true, run: async (close) => { const r = submit ? await submit(input.value) : input.value; close(r ?? input.value); } },
  ] });
}

// ---- menus ----

/** Closes the open menu, if any: one menu at a time. */
let closeOpenMenu = () => {};

/** A popup menu at an element or a mouse position. items: [{label, icon?, run, danger?, disabled?} | "-"]. */
export function openMenu(anchor, items, { x, y } = {}) {
  closeOpenMenu();
  const menu = h("div.menu", { role: "menu" }, items.map((item) => item === "-"
    ? h("div.menu-sep", { role: "separator" })
    : h("button.menu-item" + (item.danger ? ".danger" : ""), {
      type: "button", role: "menuitem", disabled: item.disabled,
      onclick: () => { close(); item.run(); },
    }, item.icon ? icon(item.icon) : h("span.icon"), h("span", null, item.label),
    item.shortcut ? h("kbd", null, item.shortcut) : null)));
  document.body.append(menu);
  const rect = anchor?.getBoundingClientRect?.();
  const left = x ?? rect.left;
  const top = y ?? rect.bottom + 4;
  const { innerWidth: w, innerHeight: hgt } = window;
  menu.style.left = `${Math.max(4, Math.min(left, w - menu.offsetWidth - 4))}px`;
  menu.style.top = `${Math.max(4, top + menu.offsetHeight > hgt ? top - menu.offsetHeight - (rect ? rect.height + 8 : 0) : top)}px`;
  function close() {
    menu.remove();
    document.removeEventListener("pointerdown", dismiss, true);
    document.removeEventListener("keydown", dismiss, true);
    closeOpenMenu = () => {};
  }
  function dismiss(e) {
    if (e.type === "keydown" && e.key !== "Escape") return;
    if (e.type === "pointerdown" && menu.contains(e.target)) return;
    close();
  }
  closeOpenMenu = close;
  // Registered at once: the event that opened the menu has already passed the document's capture phase,
  // and an Escape pressed right after opening must close it.
  document.addEventListener("pointerdown", dismiss, true);
  document.addEventListener("keydown", dismiss, true);
  menu.querySelector("button:not([disabled])")?.focus();
  menu.addEventListener("keydown", (e) => {
    const items = [...menu.querySelectorAll("button:not([disabled])")];
    const i = items.indexOf(document.activeElement);
    if (e.key === "ArrowDown") { e.preventDefault(); items[(i + 1) % items.length]?.focus(); }
    if (e.key === "ArrowUp") { e.preventDefault(); items[(i - 1 + items.length) % items.length]?.focus(); }
  });
  return menu;
}

/** Copy text to the clipboard, with a fallback for insecure origins; toasts the outcome. */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = h("textarea", { style: { position: "fixed", opacity: "0" } }, text);
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  toast(t("common.copied"));
}
