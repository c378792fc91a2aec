// Passkeys in the browser: the API's WebAuthn options and credentials carry binary members as base64url
// text; the browser's credential API wants and gives ArrayBuffers. These convert both ways.
import { t } from "./i18n.js";

export const passkeysSupported = () => typeof window.PublicKeyCredential === "function" && !!navigator.credentials;

function bytes(base64url) {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4)), (c) => c.charCodeAt(0));
}

function base64url(buffer) {
  let text = "";
  for (const byte of new Uint8Array(buffer)) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const descriptors = (list) => (list || []).map((item) => ({ ...item, id: bytes(item.id) }));

/** Make a passkey from PUT /user/authn's `publicKey`; resolves with the JSON text POST /user/authn takes. */
export async function createPasskey(publicKey) {
  const credential = await navigator.credentials.create({ publicKey: {
    ...publicKey, challenge: bytes(publicKey.challenge), user: { ...publicKey.user, id: bytes(publicKey.user.id) },
    excludeCredentials: descriptors(publicKey.excludeCredentials),
  } });
  const { response } = credential;
  return JSON.stringify({
    id: credential.id, rawId: base64url(credential.rawId), type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment || undefined,
    response: { clientDataJSON: base64url(response.clientDataJSON), attestationObject: base64url(response.attestationObject),
      transports: response.getTransports?.() || [] },
    clientExtensionResults: credential.getClientExtensionResults?.() || {},
  });
}

/** Use a passkey for PUT /session/authn's `publicKey`; resolves with the JSON text POST /session/authn takes. */
export async function usePasskey(publicKey) {
  const credential = await navigator.credentials.get({ publicKey: {
    ...publicKey, challenge: bytes(publicKey.challenge), allowCredentials: descriptors(publicKey.allowCredentials),
  } });
  const { response } = credential;
  return JSON.stringify({
    id: credential.id, rawId: base64url(credential.rawId), type: credential.type,
    response: { clientDataJSON: base64url(response.clientDataJSON), authenticatorData: base64url(response.authenticatorData),
      signature: base64url(response.signature), userHandle: response.userHandle ? base64url(response.userHandle) : null },
    clientExtensionResults: credential.getClientExtensionResults?.() || {},
  });
}

/** What to tell the person when the browser's side of a ceremony failed, or null for other errors. */
export function passkeyProblem(err) {
  if (!(err instanceof DOMException)) return null;
  if (err.name === "NotAllowedError") return t("passkey.notAllowed");
  if (err.name === "InvalidStateError") return t("passkey.alreadyHere");
  if (err.name === "SecurityError") return t("passkey.insecure");
  return t("passkey.failed");
}
