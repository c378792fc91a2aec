// /session/reset: ask for a reset link by mail; with ?id=&secret= (the link itself), choose a new password.
import { h } from "../core/dom.js";
import { t, currentLanguage } from "../core/i18n.js";
import {
  call, renderCard, showInCard, heading, notice, link, field, captchaField, wireForm, passwordProblem,
  formProblem, withQuery,
} from "./session-kit.js";

export function mount(outlet, ctx, config) {
  const card = renderCard(outlet);
  const id = ctx.query.get("id");
  const secret = ctx.query.get("secret");
  if (id && secret) newPasswordForm(card, id, secret, ctx.query);
  else requestForm(card, ctx.query, config);
  return {};
}

function requestForm(card, query, config) {
  const email = field(t("session.email"), { type: "email", name: "email", autocomplete: "username", required: true, autofocus: true, value: query.get("email") || "" });
  const captcha = captchaField(config.forget_captcha);
  const form = h("form.session-form", null, email.el, captcha.el, h("button.primary", { type: "submit" }, t("session.sendLink")));
  wireForm(form, async () => {
    const address = email.input.value.trim();
    await call("POST", "/user/reset", { email: address, language: currentLanguage(), ...captcha.values() });
    showInCard(card, notice("info", t("session.checkMailTitle"), t("session.resetSent", { email: address }),
      link(withQuery("/session", address, query), t("session.backToSignIn"))));
  }, captcha);
  showInCard(card, heading(t("session.forgotTitle"), t("session.forgotLead")), form,
    h("div.session-links.centred", null, link(withQuery("/session", email.input.value, query), t("session.backToSignIn"))));
}

function newPasswordForm(card, id, secret, query) {
  const password = field(t("session.newPassword"), { type: "password", name: "password", autocomplete: "new-password", required: true, autofocus: true });
  const confirm = field(t("session.confirmNewPassword"), { type: "password", name: "confirm", autocomplete: "new-password", required: true });
  const form = h("form.session-form", null, password.el, confirm.el, h("button.primary", { type: "submit" }, t("session.resetSubmit")));
  wireForm(form, async () => {
    const problem = passwordProblem(password.input.value, confirm.input.value);
    if (problem) throw formProblem(problem);
    const answer = await call("PATCH", `/user/reset/${encodeURIComponent(id)}`, { password: password.input.value, secret });
    showInCard(card, notice("success", t("session.resetTitle"), t("session.resetDone"),
      link(withQuery("/session", answer.data?.email || "", query), t("session.signIn"))));
  });
  showInCard(card, heading(t("session.resetTitle"), t("session.resetLead")), form,
    h("div.session-links.centred", null, link("/session", t("session.backToSignIn"))));
}
