"""Request → context: who is calling (conventions §5.2), from where."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Annotated, Any, TypeVar

from fastapi import Depends
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from pyreve.errors import AppError, Code, NotLoggedIn, ParamError
from pyreve.kit.hashid import IdType
from pyreve.services import captcha
from pyreve.services.context import Ctx, Principal, Runtime

M = TypeVar("M", bound=BaseModel)


def runtime(request: Request) -> Runtime:
    return request.app.state.rt  # type: ignore[no-any-return]


@lru_cache(maxsize=4096)
def _is_trusted_proxy(peer: str) -> bool:
    """The proxy header is trusted only from a proxy on this host or a private network."""
    try:
        return ipaddress.ip_address(peer).is_private
    except ValueError:
        return False


def client_ip(request: Request, rt: Runtime) -> str:
    peer = request.client.host if request.client else ""
    header = rt.config.system.proxy_header
    if header and peer and _is_trusted_proxy(peer):
        forwarded = request.headers.get(header, "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return peer


async def identify(rt: Runtime, authorization: str | None) -> Principal:
    if not authorization or not authorization.startswith("Bearer ") or authorization.startswith("Bearer Cr "):
        return rt.anonymous()
    subject = rt.tokens.access_subject(authorization[7:].strip())
    if subject is None:
        return rt.anonymous()
    try:
        user_id = rt.ids.decode(subject, IdType.USER)
    except AppError:
        raise AppError(Code.NOT_FOUND, "User not found") from None
    user = await rt.identity.get(user_id)
    if user is None or user.status != "active":
        raise AppError(Code.DB_ERROR, "Failed to load login user")
    return user


async def get_ctx(request: Request) -> Ctx:
    rt = runtime(request)
    await rt.settings.refresh_if_stale()
    user = await identify(rt, request.headers.get("authorization"))
    return Ctx(rt=rt, user=user, ip=client_ip(request, rt), user_agent=request.headers.get("user-agent", ""))


async def get_login_ctx(request: Request) -> Ctx:
    ctx = await get_ctx(request)
    if ctx.user.anonymous:
        raise NotLoggedIn()
    return ctx


async def get_anonymous_ctx(request: Request) -> Ctx:
    """Routes the client calls without credentials: any Authorization header is ignored."""
    rt = runtime(request)
    await rt.settings.refresh_if_stale()
    return Ctx(rt=rt, user=rt.anonymous(), ip=client_ip(request, rt), user_agent=request.headers.get("user-agent", ""))


CtxDep = Annotated[Ctx, Depends(get_ctx)]
LoginDep = Annotated[Ctx, Depends(get_login_ctx)]
GuestDep = Annotated[Ctx, Depends(get_anonymous_ctx)]

MAX_JSON_BODY = 1 << 20


async def read_json(request: Request) -> dict[str, Any]:
    """The JSON object of a request body (for routes that must look at it before validating)."""
    raw = await request.body()
    if len(raw) > MAX_JSON_BODY:
        raise ParamError("Request body too large")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        # A binding failure like any other: "JSON marshall error", without a correlation id.
        raise RequestValidationError([{"type": "json_invalid", "loc": ("body",), "msg": "JSON marshall error"}])
    return data


def validate(model: type[M], data: dict[str, Any]) -> M:
    """Validate like FastAPI would, but raise so the envelope handler renders 40001."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI request body for routes that read their JSON themselves."""
    return {"requestBody": {"required": True,
                            "content": {"application/json": {"schema": model.model_json_schema()}}}}


async def captcha_checked_body(request: Request, ctx: Ctx, model: type[M], switch: str,
                               due: Callable[[dict[str, Any]], Awaitable[bool]] | None = None) -> M:
    """Read a form body; when the ``switch`` setting is on (and ``due`` says so for this body, if
    given), its captcha is checked before validation."""
    try:
        data = await read_json(request)
    except RequestValidationError:
        if ctx.rt.settings.bool(switch):  # the captcha cannot be read from it: a captcha failure
            raise AppError(Code.CAPTCHA_ERROR, "CAPTCHA not match.") from None
        raise
    if ctx.rt.settings.bool(switch) and (due is None or await due(data)):
        await captcha.verify(ctx.rt, data)
    return validate(model, data)
