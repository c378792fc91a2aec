// /session/signup: create an account; then sign in straight away, or ask to open the activation mail.
import { h } from "../core/dom.js";
import { t, currentLanguage } from "../core/i18n.js";
import {
  call, finishSignIn, renderCard, showInCard, heading, notice, link, field, captchaField, wireForm,
  passwordProblem, formProblem, withQuery,
} from "./session-kit.js";

export function mount(outlet, ctx, config) {
  const card = renderCard(outlet);
  const signIn = (email = "") => link(withQuery("/session", email, ctx.query), t("session.backToSignIn"));
  if (!config.register_enabled) {
    showInCard(card, notice("error", t("session.signUpTitle"), t("session.signUpClosed"), signIn()));
    return {};
  }
  const email = field(t("session.email"), { type: "email", name: "email", autocomplete: "username", required: true, autofocus: true, value: ctx.query.get("email") || "" });
  const password = field(t("session.password"), { type: "password", name: "password", autocomplete: "new-password", required: true });
  const confirm = field(t("session.confirmPassword"), { type: "password", name: "confirm", autocomplete: "new-password", required: true });
  const captcha = captchaField(config.reg_captcha);
  const form = h("form.session-form", null, email.el, password.el, confirm.el, captcha.el, agreement(config),
    h("button.primary", { type: "submit" }, t("session.signUp")));
  wireForm(form, async () => {
    const problem = passwordProblem(password.input.value, confirm.input.value);
    if (problem) throw formProblem(problem);
    const address = email.input.value.trim();
    // 203: the account waits for its activation mail; 40033: it already did, and the mail went again.
    const answer = await call("POST", "/user", {
      email: address, password: password.input.value, language: currentLanguage(), ...captcha.values(),
    }, [0, 203, 40033]);
    if (answer.code !== 0) {
      const text = t(answer.code === 203 ? "session.activationSent" : "session.activationResent", { email: address });
      showInCard(card, notice("info", t("session.checkMailTitle"), text, signIn(address)));
      return;
    }
    if (config.login_captcha) {
      showInCard(card, notice("success", t("session.signUpTitle"), t("session.created"),
        link(withQuery("/session", address, ctx.query), t("session.signIn"))));
      return;
    }
    const login = await call("POST", "/session/token", { email: address, password: password.input.value }, [0, 203]);
    if (login.code === 0) await finishSignIn(login.data, ctx.query);
  }, captcha);
  showInCard(card, heading(t("session.signUpTitle"), t("session.signUpLead")), form,
    h("p.session-links.centred", null, h("span.muted", null, t("session.haveAccount")), " ", signIn()));
  return {};
}

/** "By creating an account you accept …", with the site's links when it has them. */
function agreement(config) {
  if (!config.tos_url || !config.privacy_policy_url) return null;
  const external = (href, text) => h("a", { href, target: "_blank", rel: "noopener noreferrer" }, text);
  const [before, middle, after] = t("session.agree").split(/\{terms\}|\{privacy\}/);
  return h("p.session-fineprint", null, before, external(config.tos_url, t("session.terms")), middle,
    external(config.privacy_policy_url, t("session.privacy")), after);
}
