// Passkeys in /settings: the account's passkeys (name, added, last used), adding one held by this
// device or a security key, and removing one.
import { h, icon, iconButton, confirmDialog, toast, toastError } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { put, post, del } from "../core/api.js";
import { formatDate } from "../core/format.js";
import { passkeysSupported, createPasskey, passkeyProblem } from "../core/passkeys.js";

function report(err) {
  const problem = passkeyProblem(err);
  if (problem) toast(problem, "error", { timeout: 6000 });
  else toastError(err);
}

export function passkeysBlock(prefs) {
  const block = h("div.settings-form");
  let passkeys = prefs.passkeys || [];

  function row(passkey) {
    const used = passkey.used_at ? t("settings.passkeyUsed", { when: formatDate(passkey.used_at) }) : t("settings.passkeyNeverUsed");
    return h("li.passkey-row", null, icon("key"),
      h("div.passkey-text", null, h("strong", null, passkey.name),
        h("span.muted", null, t("settings.passkeyAddedOn", { when: formatDate(passkey.created_at) }), " · ", used)),
      iconButton("delete", t("settings.removePasskeyNamed", { name: passkey.name }), () => remove(passkey)));
  }

  function render() {
    block.replaceChildren(
      h("h3", null, t("settings.passkeys")),
      h("p.muted", null, t("settings.passkeysIntro")),
      passkeys.length ? h("ul.passkey-list", { "aria-label": t("settings.passkeys") }, passkeys.map(row))
        : h("p.muted", null, t("settings.noPasskeys")),
      passkeysSupported()
        ? h("button", { type: "button", onclick: add }, t("settings.addPasskey"))
        : h("p.muted", null, t("settings.passkeysUnsupported")));
  }

  async function add(e) {
    const button = e.currentTarget;
    button.disabled = true;
    try {
      const options = await put("/user/authn");
      const response = await createPasskey(options.publicKey);
      const made = await post("/user/authn", { response, name: t("settings.passkeyName"), ua: navigator.userAgent });
      passkeys = [...passkeys, made];
      render();
      toast(t("settings.passkeyAdded"), "success");
    } catch (err) {
      report(err);
      button.disabled = false;
    }
  }

  async function remove(passkey) {
    const sure = await confirmDialog(t("settings.removePasskey"), t("settings.removePasskeyConfirm", { name: passkey.name }),
      { confirmLabel: t("settings.removePasskey"), danger: true });
    if (!sure) return;
    try {
      await del("/user/authn?" + new URLSearchParams({ id: passkey.id }));
      passkeys = passkeys.filter((other) => other.id !== passkey.id);
      render();
      toast(t("settings.passkeyRemoved"), "success");
    } catch (err) {
      toastError(err);
    }
  }

  render();
  return block;
}
