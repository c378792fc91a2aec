// /session/activate?id=&sign=: the link from the activation mail. Activates, then offers to sign in.
import { h, errorMessage } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { call, renderCard, showInCard, notice, link, withQuery } from "./session-kit.js";

export function mount(outlet, ctx) {
  const card = renderCard(outlet);
  const id = ctx.query.get("id");
  const sign = ctx.query.get("sign");
  const title = t("session.activateTitle");
  if (!id || !sign) {
    showInCard(card, notice("error", title, t("session.activateBadLink"), link("/session", t("session.backToSignIn"))));
    return {};
  }
  showInCard(card, h("h1#session-title", null, title), h("p.session-lead", { role: "status" }, t("session.activating")));
  activate(card, id, sign, ctx.query);
  return {};
}

async function activate(card, id, sign, query) {
  const title = t("session.activateTitle");
  try {
    const answer = await call("GET", `/user/activate/${encodeURIComponent(id)}?${new URLSearchParams({ sign })}`);
    const signIn = link(withQuery("/session", answer.data?.email || "", query), t("session.signIn"));
    showInCard(card, notice("success", title, t("session.activated"), signIn));
  } catch (err) {
    // Already active: the link was used before, and signing in is what is left to do.
    const kind = err.code === 40034 ? "info" : "error";
    showInCard(card, notice(kind, title, errorMessage(err), link("/session", t(kind === "info" ? "session.signIn" : "session.backToSignIn"))));
  }
}
