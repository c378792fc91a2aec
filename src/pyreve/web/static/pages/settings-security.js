// The security part of /settings: change the password, turn two-factor sign-in on and off, passkeys.
import { h, dialog, toast, toastError, errorMessage, iconButton, copyText } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { get, patch, currentUser, signOut } from "../core/api.js";
import { navigate } from "../core/router.js";
import { siteConfig } from "../core/site.js";
import { section, field } from "./settings-common.js";
import { passkeysBlock } from "./settings-passkeys.js";

function passwordInput(name, autocomplete, minlength) {
  return h("input", { type: "password", name, autocomplete, required: true, minlength, maxlength: 128 });
}

function passwordForm() {
  const current = passwordInput("current_password", "current-password", 4);
  const next = passwordInput("new_password", "new-password", 6);
  const again = passwordInput("new_password_again", "new-password", 6);
  const error = h("p.form-error", { role: "alert", hidden: true });
  const submit = h("button.primary", { type: "submit" }, t("settings.changePassword"));
  const el = h("form.settings-form", { onsubmit: async (e) => {
    e.preventDefault();
    error.hidden = true;
    if (next.value !== again.value) {
      error.textContent = t("settings.passwordMismatch");
      error.hidden = false;
      again.focus();
      return;
    }
    submit.disabled = true;
    try {
      await patch("/user/setting", { current_password: current.value, new_password: next.value });
    } catch (err) {
      submit.disabled = false;
      // 40069 on this route means the current password is wrong (not a share password).
      error.textContent = err.code === 40069 ? t("settings.wrongPassword") : errorMessage(err);
      error.hidden = false;
      return;
    }
    // The server ends every session of the account on a password change: sign in again.
    toast(t("settings.passwordChanged"), "success", { timeout: 8000 });
    await signOut();
    navigate("/session", { replace: true });
  } },
  h("h3", null, t("settings.password")),
  field(t("settings.currentPassword"), current),
  field(t("settings.newPassword"), next, t("settings.passwordHint")),
  field(t("settings.newPasswordAgain"), again),
  error, submit);
  return el;
}

function codeInput() {
  return h("input.otp-input", { type: "text", name: "two_fa_code", inputmode: "numeric", autocomplete: "one-time-code",
    pattern: "[0-9]{6}", maxlength: 6, required: true, autofocus: true });
}

/** The otpauth:// address authenticator apps read from the QR code. */
function otpauthUrl(secret) {
  const issuer = siteConfig().title || "pyreve";
  const account = currentUser()?.email || "";
  return `otpauth://totp/${encodeURIComponent(issuer)}:${encodeURIComponent(account)}?` +
    new URLSearchParams({ secret, issuer, algorithm: "SHA1", digits: "6", period: "30" });
}

/** An SVG drawing of `text` as a QR code; the generator is loaded on first use only. */
async function qrCode(text, label) {
  const { default: qrcode } = await import("../vendor/qrcode-generator/qrcode.mjs");
  const qr = qrcode(0, "M");
  qr.addData(text);
  qr.make();
  const count = qr.getModuleCount();
  const margin = 4;
  let d = "";
  for (let row = 0; row < count; row += 1) {
    for (let col = 0; col < count; col += 1) {
      if (qr.isDark(row, col)) d += `M${col + margin} ${row + margin}h1v1h-1z`;
    }
  }
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  const size = count + margin * 2;
  svg.setAttribute("viewBox", `0 0 ${size} ${size}`);
  svg.setAttribute("class", "qr-code");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  svg.setAttribute("shape-rendering", "crispEdges");
  const background = document.createElementNS(ns, "rect");
  background.setAttribute("width", size);
  background.setAttribute("height", size);
  background.setAttribute("fill", "#fff");
  const modules = document.createElementNS(ns, "path");
  modules.setAttribute("d", d);
  modules.setAttribute("fill", "#000");
  svg.append(background, modules);
  return svg;
}

function groupedSecret(secret) {
  return secret.replace(/(.{4})(?=.)/g, "$1 ");
}

async function enableTwoFactor(onChange) {
  const secret = await get("/user/setting/2fa");
  const code = codeInput();
  const qr = await qrCode(otpauthUrl(secret), t("settings.twoFaQr"));
  const enabled = await dialog({
    title: t("settings.twoFaEnableTitle"),
    body: [
      h("ol.twofa-steps", null,
        h("li", null, t("settings.twoFaStepScan"), h("div.qr-frame", null, qr)),
        h("li", null, t("settings.twoFaStepKey"),
          h("div.secret-row", null,
            h("code.twofa-secret", { "aria-label": t("settings.twoFaSecret") }, groupedSecret(secret)),
            iconButton("copy", t("settings.twoFaCopySecret"), () => copyText(secret)))),
        h("li", null, field(t("settings.twoFaStepCode"), code))),
    ],
    actions: [
      { label: t("common.cancel") },
      { label: t("settings.twoFaEnable"), primary: true, run: async (close) => {
        await patch("/user/setting", { two_fa_enabled: true, two_fa_code: code.value.trim() });
        close(true);
      } },
    ],
  });
  if (enabled) { toast(t("settings.twoFaEnabled"), "success"); onChange(true); }
}

async function disableTwoFactor(onChange) {
  const code = codeInput();
  const disabled = await dialog({
    title: t("settings.twoFaDisableTitle"),
    body: [h("p", null, t("settings.twoFaDisableIntro")), field(t("settings.twoFaCode"), code)],
    actions: [
      { label: t("common.cancel") },
      { label: t("settings.twoFaDisable"), primary: true, danger: true, run: async (close) => {
        await patch("/user/setting", { two_fa_enabled: false, two_fa_code: code.value.trim() });
        close(true);
      } },
    ],
  });
  if (disabled) { toast(t("settings.twoFaDisabled"), "success"); onChange(false); }
}

function twoFactorBlock(prefs) {
  const block = h("div.settings-form");
  const render = (enabled) => {
    const run = (fn) => async () => { try { await fn(render); } catch (err) { toastError(err); } };
    block.replaceChildren(
      h("h3", null, t("settings.twoFa")),
      h("p", null, h("span.status-badge" + (enabled ? ".on" : ""), null, enabled ? t("settings.twoFaOn") : t("settings.twoFaOff")),
        " ", h("span.muted", null, t("settings.twoFaIntro"))),
      enabled
        ? h("button.danger", { type: "button", onclick: run(disableTwoFactor) }, t("settings.twoFaDisable"))
        : h("button.primary", { type: "button", onclick: run(enableTwoFactor) }, t("settings.twoFaEnable")));
  };
  render(Boolean(prefs.two_fa_enabled));
  return block;
}

/** `passkeys`: whether the site has passkeys switched on. */
export function securitySection(prefs, { passkeys = false } = {}) {
  // An account without a password (it signs in with a passkey only) has none to change.
  const password = prefs.passwordless ? null : passwordForm();
  return section("settings-security", t("settings.security"),
    h("div.settings-columns", null, password, twoFactorBlock(prefs), passkeys ? passkeysBlock(prefs) : null));
}
