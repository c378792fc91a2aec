// Building blocks of the signed-out pages: the centred card, form fields, the image captcha, and
// finishing a sign-in.
import "../locales/session.js";
import { h, icon, iconButton, openMenu, errorMessage, clear } from "../core/dom.js";
import { t, LANGUAGES, currentLanguage, setLanguage } from "../core/i18n.js";
import { ApiError, apiEnvelope, get, saveSession } from "../core/api.js";
import { navigate, reload } from "../core/router.js";
import { siteConfig, loadSiteConfig } from "../core/site.js";
import { toggleTheme, currentTheme } from "../core/theme.js";

/** Call a signed-out API route; resolves with the whole envelope, rejects with ApiError unless `expected` lists the code. */
export async function call(method, path, body, expected = [0]) {
  const envelope = await apiEnvelope(method, path, { body, auth: false });
  if (!expected.includes(envelope.code)) throw new ApiError(envelope.code, envelope.msg, envelope.data, envelope.correlation_id);
  return envelope;
}

/** Only paths of this site: a crafted `redirect` must not send anyone elsewhere. */
export function redirectTarget(query) {
  const target = query.get("redirect") || "";
  return /^\/(?![/\\])/.test(target) && !target.startsWith("/session") ? target : "/home";
}

/** Save the session, follow the person's language, and go where they were heading. */
export async function finishSignIn(login, query) {
  saveSession({ user: login.user, token: login.token });
  if (login.user.language && login.user.language !== currentLanguage()) setLanguage(login.user.language);
  await loadSiteConfig();
  navigate(redirectTarget(query), { replace: true });
}

/** `?name=value` of the current query, to carry it to another session page. */
export function keep(query, name) {
  return query.get(name) ? "?" + new URLSearchParams({ [name]: query.get(name) }) : "";
}

/** `path` with the typed email and the pending redirect, so the next page starts where this one was. */
export function withQuery(path, email, query) {
  const params = new URLSearchParams();
  if (email.trim()) params.set("email", email.trim());
  if (query.get("redirect")) params.set("redirect", query.get("redirect"));
  return params.size ? `${path}?${params}` : path;
}

/** Theme and language switches, available before signing in. */
function tools() {
  const themeButton = iconButton(currentTheme() === "dark" ? "light" : "dark", t("session.theme"), () => {
    toggleTheme();
    themeButton.replaceChildren(icon(currentTheme() === "dark" ? "light" : "dark"));
  });
  const languageButton = iconButton("language", t("session.language"), () => openMenu(languageButton, LANGUAGES.map((l) => ({
    label: l.label, icon: l.code === currentLanguage() ? "check" : null,
    run: () => { setLanguage(l.code); reload(); },
  }))));
  return h("div.session-tools", null, themeButton, languageButton);
}

/** The page frame: tools on top, the site's name and logo, then the card's content. */
export function renderCard(outlet, ...content) {
  const logo = document.querySelector("link[rel=icon]")?.href;
  const card = h("section.session-card", { "aria-labelledby": "session-title" },
    h("div.session-brand", null, logo ? h("img", { src: logo, alt: "", width: 36, height: 36 }) : null,
      h("span", null, siteConfig().title || "pyreve")),
    h("div.session-content"));
  clear(outlet).append(h("div.session-page", null, tools(), card));
  showInCard(card, ...content);
  return card;
}

/** Replace what the card shows (a form, a message) and move focus to its first control or heading. */
export function showInCard(card, ...content) {
  const body = clear(card.querySelector(".session-content"));
  body.append(...content.flat().filter(Boolean));
  const focusable = body.querySelector("[autofocus]") || body.querySelector("input") || body.querySelector("h1");
  if (focusable?.tagName === "H1") focusable.tabIndex = -1;
  focusable?.focus();
}

export function heading(title, lead) {
  return [h("h1#session-title", null, title), lead ? h("p.session-lead", null, lead) : null];
}

/** A message card: a heading, a sentence, and links onward. */
export function notice(kind, title, text, ...links) {
  return [h("h1#session-title", null, title),
    h(`p.session-notice.${kind}`, { role: kind === "error" ? "alert" : "status" }, icon(kind === "error" ? "info" : "check"), h("span", null, text)),
    links.length ? h("div.session-links.centred", null, links) : null];
}

export function link(href, text) {
  return h("a", { href, "data-link": true }, text);
}

let fieldCount = 0;

/** A labelled input; passwords get a show/hide switch. */
export function field(label, props = {}) {
  const id = `session-field-${++fieldCount}`;
  const input = h("input", { id, ...props });
  let control = input;
  if (props.type === "password") {
    const toggle = h("button.icon-button.password-toggle", { type: "button", "aria-label": t("session.showPassword"), title: t("session.showPassword"), "aria-pressed": "false" }, eye(false));
    toggle.addEventListener("click", () => {
      const shown = input.type === "password";
      input.type = shown ? "text" : "password";
      const name = t(shown ? "session.hidePassword" : "session.showPassword");
      toggle.setAttribute("aria-label", name);
      toggle.title = name;
      toggle.setAttribute("aria-pressed", String(shown));
      toggle.replaceChildren(eye(shown));
    });
    control = h("div.password-wrap", null, input, toggle);
  }
  return { el: h("div.field", null, h("label", { for: id }, label), control), input };
}

const EYE = "M12 4.5C7 4.5 2.73 7.61 1 12c1.73 4.39 6 7.5 11 7.5s9.27-3.11 11-7.5c-1.73-4.39-6-7.5-11-7.5M12 17a5 5 0 1 1 0-10 5 5 0 0 1 0 10m0-8a3 3 0 1 0 0 6 3 3 0 0 0 0-6";
const EYE_OFF = "M12 7a5 5 0 0 1 5 5c0 .65-.13 1.26-.36 1.83l2.92 2.92A11.8 11.8 0 0 0 23 12c-1.73-4.39-6-7.5-11-7.5-1.4 0-2.74.25-3.98.7l2.16 2.16C10.74 7.13 11.35 7 12 7M2 4.27l2.28 2.28.46.46A11.8 11.8 0 0 0 1 12c1.73 4.39 6 7.5 11 7.5 1.55 0 3.03-.3 4.38-.84l.42.42L19.73 22 21 20.73 3.27 3zM7.53 9.8l1.55 1.55A3 3 0 0 0 9 12a3 3 0 0 0 3 3c.22 0 .44-.03.65-.08l1.55 1.55A5 5 0 0 1 7 12c0-.79.2-1.53.53-2.2m4.31-.78 3.15 3.15.02-.16a3 3 0 0 0-3-3z";

function eye(crossed) {
  const svg = icon("lock");
  svg.firstChild.setAttribute("d", crossed ? EYE_OFF : EYE);
  return svg;
}

/**
 * The image captcha, when the site asks for one on this form. `values()` gives the body fields;
 * `renew()` fetches a new picture (a ticket is spent by any attempt, right or wrong).
 */
export function captchaField(enabled) {
  if (!enabled) return { el: null, values: () => ({}), renew: () => {} };
  const type = siteConfig().captcha_type || "normal";
  if (type !== "normal" && type !== "tcaptcha") {
    return { el: h("p.session-notice.error", { role: "alert" }, t("session.captchaUnsupported")), values: () => ({}), renew: () => {} };
  }
  let ticket = "";
  const { el, input } = field(t("session.captcha"), { type: "text", name: "captcha", autocomplete: "off", required: true, autocapitalize: "off", spellcheck: "false", placeholder: t("session.captchaHint") });
  const image = h("img.captcha-image", { alt: t("session.captchaImage"), width: 200, height: 50 });
  const renew = async () => {
    input.value = "";
    try {
      const data = await get("/site/captcha", null, { auth: false });
      ticket = data.ticket;
      image.src = data.image;
    } catch (err) {
      image.removeAttribute("src");
      image.alt = errorMessage(err);
    }
  };
  // The picture first, then where to type what it shows.
  el.insertBefore(h("div.captcha-row", null, image, iconButton("refresh", t("session.captchaRefresh"), () => { renew(); input.focus(); })), input);
  renew();
  return { el, values: () => ({ captcha: input.value.trim(), ticket }), renew };
}

/**
 * Wire a form: `submit()` runs with the button disabled; a thrown error is shown in the form's
 * alert line (and the captcha renewed, since the attempt spent it).
 */
export function wireForm(form, submit, captcha) {
  const error = h("p.form-error", { role: "alert", hidden: true });
  form.querySelector("button[type=submit]").before(error);
  let busy = false;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (busy) return;
    busy = true;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    error.hidden = true;
    try {
      await submit();
    } catch (err) {
      error.textContent = errorMessage(err);
      error.hidden = false;
      captcha?.renew();
    } finally {
      busy = false;
      button.disabled = false;
    }
  });
  return error;
}

/** A readable complaint about a new password, or "" when it is fine. */
export function passwordProblem(password, confirmation) {
  if (password.length < 6 || password.length > 128) return t("session.passwordLength");
  if (password !== confirmation) return t("session.passwordMismatch");
  return "";
}

/** An error raised on this side (no server round trip) that errorMessage() shows as is. */
export function formProblem(message) {
  return new ApiError(0, message);
}
