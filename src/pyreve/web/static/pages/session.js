// Signed-out pages: /session (sign-in with a password, then the two-step code when the account has one;
// or with a passkey), /session/signup, /session/activate?id=&sign=, /session/reset (ask for a link, or
// ?id=&secret= to use it).
import { h, icon, errorMessage } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { currentUser } from "../core/api.js";
import { loginConfig } from "../core/site.js";
import { passkeysSupported, usePasskey, passkeyProblem } from "../core/passkeys.js";
import { navigate } from "../core/router.js";
import {
  call, finishSignIn, redirectTarget, renderCard, showInCard, heading, link, field,
  captchaField, wireForm, formProblem, keep, withQuery,
} from "./session-kit.js";

const STEPS = {
  signup: () => import("./session-signup.js"),
  activate: () => import("./session-activate.js"),
  reset: () => import("./session-reset.js"),
};
// Signed-in people have nothing to do on these; links from mails still work for them.
const SIGNED_IN_AWAY = new Set(["", "signup"]);

export default {
  auth: false,
  layout: "bare",
  async mount(outlet, ctx) {
    const step = ctx.params.step || "";
    if (SIGNED_IN_AWAY.has(step) && currentUser()) {
      // After this mount returns: the router is still recording this page.
      setTimeout(() => navigate(redirectTarget(ctx.query), { replace: true }));
      return {};
    }
    if (!(step in STEPS) && step) {
      setTimeout(() => navigate("/session", { replace: true }));
      return {};
    }
    const config = await loginConfig();
    if (step) return (await STEPS[step]()).mount(outlet, ctx, config);
    signInForm(renderCard(outlet), ctx.query, config);
    return {};
  },
};

function signInForm(card, query, config, message = "") {
  const email = field(t("session.email"), { type: "email", name: "email", autocomplete: "username", required: true, value: query.get("email") || "" });
  const password = field(t("session.password"), { type: "password", name: "password", autocomplete: "current-password", required: true, minlength: 4, maxlength: 128 });
  if (!email.input.value) email.input.autofocus = true;
  else password.input.autofocus = true;
  const captcha = captchaField(config.login_captcha);
  const form = h("form.session-form", null,
    email.el, password.el, captcha.el,
    h("div.session-forgot", null, link(withQuery("/session/reset", email.input.value, query), t("session.forgot"))),
    h("button.primary", { type: "submit" }, t("session.signIn")));
  const error = wireForm(form, async () => {
    const answer = await call("POST", "/session/token", {
      email: email.input.value.trim(), password: password.input.value, ...captcha.values(),
    }, [0, 203]);
    if (answer.code === 203) twoFactorForm(card, query, answer.data, (why) => signInForm(card, query, config, why));
    else await finishSignIn(answer.data, query);
  }, captcha);
  // Keep the typed address when moving to the reset page.
  email.input.addEventListener("input", () => {
    form.querySelector(".session-forgot a").href = withQuery("/session/reset", email.input.value, query);
  });
  const passkey = config.authn && passkeysSupported() ? passkeyButton(query, error) : null;
  const signUp = config.register_enabled
    ? h("p.session-links.centred", null, h("span.muted", null, t("session.noAccount")), " ",
      link("/session/signup" + keep(query, "redirect"), t("session.createAccount")))
    : null;
  showInCard(card, heading(t("session.signInTitle"), t("session.signInLead")), form, passkey, signUp);
  if (message) { error.textContent = message; error.hidden = false; }
}

/** Username-less sign-in: the browser offers the passkeys it holds for this site. */
function passkeyButton(query, error) {
  const button = h("button.passkey-button", { type: "button", onclick: async () => {
    button.disabled = true;
    error.hidden = true;
    try {
      const started = await call("PUT", "/session/authn");
      const response = await usePasskey(started.data.options.publicKey);
      const answer = await call("POST", "/session/authn", { session_id: started.data.session_id, response });
      await finishSignIn(answer.data, query);
    } catch (err) {
      error.textContent = passkeyProblem(err) || errorMessage(err);
      error.hidden = false;
    } finally {
      button.disabled = false;
    }
  } }, icon("key"), t("session.signInWithPasskey"));
  return h("div.session-alt", null, h("span.session-or", null, t("session.or")), button);
}

function twoFactorForm(card, query, sessionId, restart) {
  const code = field(t("session.code"), {
    type: "text", name: "otp", inputmode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}",
    maxlength: 6, required: true, autofocus: true, class: "session-otp", title: t("session.codeFormat"),
  });
  const form = h("form.session-form", null, code.el, h("button.primary", { type: "submit" }, t("session.verify")));
  wireForm(form, async () => {
    const otp = code.input.value.replace(/\s+/g, "");
    if (!/^\d{6}$/.test(otp)) throw formProblem(t("session.codeFormat"));
    try {
      const answer = await call("POST", "/session/token/2fa", { otp, session_id: sessionId });
      await finishSignIn(answer.data, query);
    } catch (err) {
      code.input.select();
      // The pending sign-in is gone (it lasts ten minutes): start over.
      if (err.code === 404) { restart(t("session.twoFactorExpired")); return; }
      throw err;
    }
  });
  const back = h("button.text", { type: "button", onclick: () => restart() }, t("session.backToSignIn"));
  showInCard(card, heading(t("session.twoFactorTitle"), t("session.twoFactorLead")), form,
    h("div.session-links.centred", null, back));
}
