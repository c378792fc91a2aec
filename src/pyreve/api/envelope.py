"""The Cloudreve response envelope: HTTP 200 with ``code``, ``data``, ``msg`` (conventions §2)."""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Mapping
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from pyreve.errors import AppError, BatchError, Code, TooManyAttempts

log = logging.getLogger("pyreve.api")
API_HEADERS = {"cache-control": "private, no-cache"}
_MISSING: Any = object()
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _dumps(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


class EnvelopeResponse(Response):
    media_type = "application/json"

    def __init__(self, payload: Mapping[str, Any], headers: Mapping[str, str] | None = None):
        super().__init__(_dumps(payload), headers=dict(headers or API_HEADERS))


def ok(data: Any = _MISSING, code: int = 0) -> EnvelopeResponse:
    """Success; ``data`` is omitted when not given (``{"code":0,"msg":""}``)."""
    payload: dict[str, Any] = {"code": code}
    if data is not _MISSING and data is not None:
        payload["data"] = data
    payload["msg"] = ""
    return EnvelopeResponse(payload)


def correlation_id(request: Request) -> str:
    given = request.headers.get("x-cr-correlation-id", "")
    return given if _UUID.match(given) else str(uuid.uuid4())


def error_payload(err: AppError, request: Request | None, debug: bool, cid: str = "") -> dict[str, Any]:
    payload: dict[str, Any] = {"code": err.code}
    if err.data is not None:
        payload["data"] = err.data
    payload["msg"] = err.msg
    if debug and err.cause is not None:
        payload["error"] = str(err.cause)
    if request is not None:
        cid = cid or correlation_id(request)
        payload["correlation_id"] = cid
    if isinstance(err, BatchError):
        payload["aggregated_error"] = {key: error_payload(inner, request, debug, cid)
                                       for key, inner in err.errors.items()}
    return payload


def _debug(request: Request) -> bool:
    rt = getattr(request.app.state, "rt", None)
    return bool(rt and rt.config.system.debug)


async def app_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    headers = dict(API_HEADERS)
    if isinstance(exc, TooManyAttempts):
        headers["retry-after"] = str(exc.retry_after)
    return EnvelopeResponse(error_payload(exc, request, _debug(request)), headers)


# Go field names (the reference validator's messages) for our JSON members.
_FIELD_NAMES = {"email": "Email", "password": "Password", "nick": "Nickname", "source_id": "Source resource"}
_RULES = {
    "missing": "cannot be empty",
    "string_too_short": "too short",
    "too_short": "too short",
    "greater_than_equal": "too short",
    "string_too_long": "too long",
    "too_long": "too long",
    "less_than_equal": "too long",
}


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    if not parts:
        return ""
    name = parts[-1] if not parts[-1].isdigit() or len(parts) == 1 else parts[-2]
    return _FIELD_NAMES.get(name, "".join(w.capitalize() for w in name.split("_")))


def validation_message(errors: list[Any]) -> str:
    if not errors:
        return "Invalid parameters."
    first = errors[0]
    kind = first.get("type", "")
    if kind in ("json_invalid", "json_type", "model_attributes_type", "dict_type", "model_type"):
        return "JSON marshall error"
    field = _field_name(tuple(first.get("loc", ())))
    if kind == "value_error" and "email" in str(first.get("msg", "")).lower():
        return f"{field} format error"
    rule = _RULES.get(kind)
    if rule and field:
        return f"{field} {rule}"
    return "Parameter error"


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    errors = exc.errors() if isinstance(exc, (RequestValidationError, ValidationError)) else []
    # Validation failures carry no correlation_id (as the reference server answers them).
    return EnvelopeResponse({"code": int(Code.PARAM_ERR), "msg": validation_message(list(errors))})


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith("/api/"):
        if exc.status_code == 400:  # the body could not be decoded (e.g. not UTF-8): a binding failure
            return EnvelopeResponse({"code": int(Code.PARAM_ERR), "msg": "JSON marshall error"})
        code = Code.NOT_FOUND if exc.status_code == 404 else Code.PARAM_ERR
        msg = "Not found" if exc.status_code == 404 else exc.detail
        return EnvelopeResponse({"code": int(code), "msg": str(msg), "correlation_id": correlation_id(request)})
    return Response(status_code=exc.status_code, headers=getattr(exc, "headers", None))


async def unhandled_error_handler(request: Request, exc: Exception) -> Response:
    cid = correlation_id(request)
    log.exception("unhandled error (correlation id %s)", cid, exc_info=exc)
    payload: dict[str, Any] = {"code": int(Code.NOT_SET), "msg": "Internal server error", "correlation_id": cid}
    if _debug(request):
        payload["error"] = repr(exc)
    return EnvelopeResponse(payload) if request.url.path.startswith("/api/") else Response(status_code=500)
