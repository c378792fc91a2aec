// Pieces shared by the settings, WebDAV and profile pages.
import { h } from "../core/dom.js";
import { avatarUrl } from "../core/shell.js";

/** A user's picture; initials on a coloured disc when there is none (the server answers 404). */
export function avatarImage(user, size = 96) {
  const name = user.nickname || user.email || "?";
  const initials = h("span.avatar-initials", { "aria-hidden": "true", style: { width: `${size}px`, height: `${size}px`, fontSize: `${Math.round(size * 0.42)}px` } },
    [...name.trim()][0]?.toUpperCase() || "?");
  initials.style.background = `hsl(${hue(user.id || name)} 55% 45%)`;
  const img = h("img.avatar-large", { src: avatarUrl(user), alt: "", width: size, height: size,
    onerror: () => img.replaceWith(initials) });
  return h("span.avatar-frame", { style: { width: `${size}px`, height: `${size}px` } }, img);
}

function hue(text) {
  let n = 0;
  for (const ch of text) n = (n * 31 + ch.codePointAt(0)) % 360;
  return n;
}

/** A titled block of the settings page. */
export function section(id, title, ...children) {
  return h("section.settings-section.card", { "aria-labelledby": `${id}-title` },
    h(`h2#${id}-title`, null, title), children);
}

let fieldCount = 0;

/** One label above its control; a hint below it, read out as the control's description. */
export function field(label, control, hint) {
  fieldCount += 1;
  control.id ||= `settings-field-${fieldCount}`;
  const hintEl = hint ? h(`small.muted#${control.id}-hint`, null, hint) : null;
  if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
  return h("div.field", null, h("label", { for: control.id }, label), control, hintEl);
}

/** Group permission flag `n` from the boolset the user object carries (base64, little-endian bits). */
export function groupAllows(user, n) {
  try {
    const bytes = atob(user?.group?.permission || "");
    const byte = bytes.charCodeAt(n >> 3);
    return n >> 3 < bytes.length && Boolean(byte & (1 << (n & 7)));
  } catch {
    return false;
  }
}

export const PERMISSION = { webdav: 3, webdavProxy: 6 };
