"""Passkeys (WebAuthn): register one for the signed-in user, sign in with one, delete one
(spec: user.md "Passkey registration", session.md "PUT/POST /session/authn").

The relying party is the configured site URL the request came through (else the first one): its host is
the RP ID, and every configured site URL is an accepted origin. Ceremony state lives in the KV store for
300 s and is used once. Sign-in is username-less: the authenticator returns the user handle, which is the
user's hash id.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    parse_authentication_credential_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticationCredential,
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    RegistrationCredential,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from pyreve.db.models import Passkey
from pyreve.db.uow import reading, writing
from pyreve.errors import AppError, Code, ParamError
from pyreve.kit.clock import utcnow
from pyreve.kit.hashid import IdType
from pyreve.services import ratelimit
from pyreve.services.context import Ctx, Runtime
from pyreve.services.session import Login, ensure_may_sign_in, issue_tokens, load_principal
from pyreve.services.share import site_origins, site_url

CEREMONY_TTL = 300
TIMEOUT_MS = CEREMONY_TTL * 1000
CREDENTIAL_ID_MAX = 255  # the stored (base64) id's column; discoverable credentials' ids are far shorter


@dataclass(frozen=True)
class RelyingParty:
    id: str
    name: str
    origins: list[str]


def _require_enabled(rt: Runtime) -> None:
    if not rt.settings.bool("authn_enabled"):
        raise AppError(Code.FEATURE_NOT_ENABLED, "Passkeys are not enabled")


def relying_party(rt: Runtime, host: str) -> RelyingParty:
    rp_id = urlsplit(site_url(rt, host)).hostname
    if not rp_id:
        raise AppError(Code.INTERNAL_SETTING, "The site URL has no host name")
    return RelyingParty(rp_id, rt.settings.str("siteName") or "pyreve", site_origins(rt))


def _std_b64(raw: bytes) -> str:
    """How a passkey's id is stored and shown: standard base64 with padding (the wire's Passkey.id)."""
    return base64.b64encode(raw).decode()


async def _save_ceremony(rt: Runtime, key: str, challenge: bytes, rp: RelyingParty) -> None:
    state = {"challenge": bytes_to_base64url(challenge), "rp_id": rp.id, "origins": rp.origins}
    await rt.kv.set(key, json.dumps(state), CEREMONY_TTL)


async def _take_ceremony(rt: Runtime, key: str) -> dict[str, Any]:
    raw = await rt.kv.pop(key)  # single use: a replayed finish finds nothing
    if raw is None:
        raise AppError(Code.NOT_FOUND, "Session not found")
    return json.loads(raw)  # type: ignore[no-any-return]


def _unverified(cause: BaseException | None = None) -> AppError:
    return AppError(Code.WEBAUTHN_CREDENTIAL_ERROR, "The passkey could not be verified", cause=cause)


def _parse(text: str, parser: Any) -> Any:
    """A credential the client sent as JSON text, parsed by ``parser``; anything malformed is 40001."""
    try:
        parsed = json.loads(text)
        if not isinstance(parsed, dict):
            raise ValueError("not an object")
        return parser(parsed)
    except (ValueError, KeyError, TypeError, WebAuthnException) as exc:
        raise ParamError("Failed to parse the passkey response", cause=exc) from None


# --- registration (signed in) ------------------------------------------------------------------

async def begin_registration(ctx: Ctx, host: str) -> dict[str, Any]:
    rt, user = ctx.rt, ctx.user
    _require_enabled(rt)
    rp = relying_party(rt, host)
    async with reading(rt.sessions) as session:
        existing = (await session.execute(
            sa.select(Passkey.credential_id).where(Passkey.user_id == user.id, Passkey.deleted_at.is_(None)))).scalars()
        exclude = [PublicKeyCredentialDescriptor(id=base64.b64decode(cid)) for cid in existing]
    options = generate_registration_options(
        rp_id=rp.id, rp_name=rp.name, user_id=rt.ids.encode(user.id, IdType.USER).encode(),
        user_name=user.email, user_display_name=user.nick or user.email, timeout=TIMEOUT_MS,
        exclude_credentials=exclude,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED, require_resident_key=True,
            user_verification=UserVerificationRequirement.PREFERRED),
    )
    await _save_ceremony(rt, f"authn_session_{user.id}", options.challenge, rp)
    return {"publicKey": json.loads(options_to_json(options))}


async def finish_registration(ctx: Ctx, response: str, name_template: str, user_agent: str) -> Passkey:
    rt, user = ctx.rt, ctx.user
    _require_enabled(rt)
    state = await _take_ceremony(rt, f"authn_session_{user.id}")
    credential: RegistrationCredential = _parse(response, parse_registration_credential_json)
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=base64url_to_bytes(state["challenge"]),
            expected_rp_id=state["rp_id"], expected_origin=state["origins"])
    except WebAuthnException as exc:
        raise _unverified(exc) from None
    credential_id = _std_b64(verified.credential_id)
    if len(credential_id) > CREDENTIAL_ID_MAX:
        raise AppError(Code.WEBAUTHN_CREDENTIAL_ERROR, "This authenticator's credential id is too long")
    passkey = Passkey(
        user_id=user.id, credential_id=credential_id,
        name=passkey_name(name_template, user_agent),
        credential={"public_key": bytes_to_base64url(verified.credential_public_key),
                    "sign_count": verified.sign_count, "aaguid": verified.aaguid,
                    "transports": [t.value for t in credential.response.transports or []]},
    )
    async with writing(rt.sessions) as session:
        taken = (await session.execute(sa.select(Passkey.id).where(
            Passkey.user_id == user.id, Passkey.credential_id == passkey.credential_id))).first()
        if taken is not None:
            raise AppError(Code.WEBAUTHN_CREDENTIAL_ERROR, "This passkey is registered already")
        session.add(passkey)
    return passkey


async def delete(ctx: Ctx, passkey_id: str) -> None:
    rt = ctx.rt
    _require_enabled(rt)
    async with writing(rt.sessions) as session:
        result = await session.execute(sa.delete(Passkey).where(
            Passkey.user_id == ctx.user.id, Passkey.credential_id == passkey_id))
        if not result.rowcount:
            raise AppError(Code.NOT_FOUND, "Passkey not found")


# --- sign-in (signed out) ----------------------------------------------------------------------

async def begin_sign_in(ctx: Ctx, host: str) -> dict[str, Any]:
    rt = ctx.rt
    _require_enabled(rt)
    rp = relying_party(rt, host)
    options = generate_authentication_options(
        rp_id=rp.id, timeout=TIMEOUT_MS, user_verification=UserVerificationRequirement.PREFERRED)
    session_id = str(uuid.uuid4())
    await _save_ceremony(rt, f"authn_session_{session_id}", options.challenge, rp)
    return {"options": {"publicKey": json.loads(options_to_json(options))}, "session_id": session_id}


async def finish_sign_in(ctx: Ctx, session_id: str, response: str) -> Login:
    rt = ctx.rt
    _require_enabled(rt)
    # Failed assertions hold the address back like failed passwords; successes count for nothing.
    attempt = ratelimit.Guard(rt, None, ratelimit.LOGIN_IP, "", ctx.ip)
    await attempt.check()
    try:
        user_id = await _verify_assertion(rt, session_id, response)
    except AppError as err:
        if err.code == Code.WEBAUTHN_CREDENTIAL_ERROR:
            await attempt.failed()  # out of the transaction that found the assertion wrong
        raise
    user = await load_principal(rt, user_id)
    if user is None:
        raise _unverified()
    ensure_may_sign_in(user.status)
    return Login(user, issue_tokens(rt, user))


async def _verify_assertion(rt: Runtime, session_id: str, response: str) -> int:
    """The user a passkey assertion signs in; its sign count is stored."""
    state = await _take_ceremony(rt, f"authn_session_{session_id}")
    credential: AuthenticationCredential = _parse(response, parse_authentication_credential_json)
    handle = credential.response.user_handle or b""
    try:
        user_id = rt.ids.decode(handle.decode("utf-8", "strict"), IdType.USER)
    except (UnicodeDecodeError, AppError):
        raise _unverified() from None
    async with writing(rt.sessions) as session:
        passkey = (await session.execute(sa.select(Passkey).where(
            Passkey.user_id == user_id, Passkey.credential_id == _std_b64(credential.raw_id),
            Passkey.deleted_at.is_(None)).with_for_update())).scalar_one_or_none()
        if passkey is None:
            raise _unverified()
        stored = passkey.credential
        try:
            verified = verify_authentication_response(
                credential=credential, expected_challenge=base64url_to_bytes(state["challenge"]),
                expected_rp_id=state["rp_id"], expected_origin=state["origins"],
                credential_public_key=base64url_to_bytes(stored["public_key"]),
                credential_current_sign_count=int(stored.get("sign_count") or 0))
        except WebAuthnException as exc:
            raise _unverified(exc) from None
        passkey.credential = {**stored, "sign_count": verified.new_sign_count}
        passkey.used_at = utcnow()
    return user_id


# --- naming --------------------------------------------------------------------------------------

_BROWSERS = [("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Chromium/", "Chromium"), ("Safari/", "Safari")]
_SYSTEMS = [("Windows", "Windows"), ("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux")]


def passkey_name(template: str, user_agent: str) -> str:
    """The client's name template with ``{browser}`` and ``{os}`` filled in from its User-Agent."""
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), "")
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), "")
    name = template.replace("{browser}", browser or "Browser").replace("{os}", system or "unknown")
    return re.sub(r"\s+", " ", name).strip()[:255] or "Passkey"
