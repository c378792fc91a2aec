"""Application errors and the Cloudreve numeric codes they carry.

Services raise :class:`AppError`; the HTTP layer renders it as the Cloudreve envelope
(``api/envelope.py``) and WebDAV as a DAV status. Every code is listed in ``docs/errors.md``.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any


class Code(IntEnum):
    SUCCESS = 0
    CONTINUE = 203
    CHECK_LOGIN = 401
    NO_PERMISSION = 403
    NOT_FOUND = 404
    CONFLICT = 409
    NOT_SET = -1
    PARAM_ERR = 40001
    UPLOAD_FAILED = 40002
    CREATE_FOLDER_FAILED = 40003
    OBJECT_EXIST = 40004
    SIGN_EXPIRED = 40005
    POLICY_NOT_ALLOWED = 40006
    GROUP_NOT_ALLOWED = 40007
    ADMIN_REQUIRED = 40008
    UPLOAD_SESSION_EXPIRED = 40011
    INVALID_CHUNK_INDEX = 40012
    INVALID_CONTENT_LENGTH = 40013
    BATCH_SOURCE_SIZE = 40014
    PARENT_NOT_EXIST = 40016
    USER_BANNED = 40017
    USER_NOT_ACTIVATED = 40018
    FEATURE_NOT_ENABLED = 40019
    CREDENTIAL_INVALID = 40020
    USER_NOT_FOUND = 40021
    TWO_FA_CODE_ERR = 40022
    LOGIN_SESSION_NOT_EXIST = 40023
    INITIALIZE_AUTHN = 40024
    WEBAUTHN_CREDENTIAL_ERROR = 40025
    CAPTCHA_ERROR = 40026
    CAPTCHA_REFRESH_NEEDED = 40027
    FAILED_SEND_EMAIL = 40028
    INVALID_TEMP_LINK = 40029
    TEMP_LINK_EXPIRED = 40030
    EMAIL_PROVIDER_BANNED = 40031
    EMAIL_EXISTED = 40032
    EMAIL_SENT = 40033
    USER_CANNOT_ACTIVATE = 40034
    POLICY_NOT_EXIST = 40035
    GROUP_NOT_FOUND = 40039
    FILE_NOT_FOUND = 40044
    FILE_TOO_LARGE = 40049
    FILE_TYPE_NOT_ALLOWED = 40050
    INSUFFICIENT_CAPACITY = 40051
    ILLEGAL_OBJECT_NAME = 40052
    INCORRECT_PASSWORD = 40069
    INVALID_SIGN = 40071
    LOCK_CONFLICT = 40073
    INVALID_PASSWORD = 40080
    BATCH_NOT_FULLY_COMPLETED = 40081
    DB_ERROR = 50001
    ENCRYPT_ERROR = 50002
    IO_FAILED = 50004
    INTERNAL_SETTING = 50005
    CACHE_OPERATION = 50006


class AppError(Exception):
    """An error a client sees: a Cloudreve code, a message and optional payload."""

    def __init__(self, code: int, msg: str = "", *, data: Any = None, cause: BaseException | None = None):
        super().__init__(msg)
        self.code = int(code)
        self.msg = msg
        self.data = data
        self.cause = cause


class NotLoggedIn(AppError):
    def __init__(self) -> None:
        super().__init__(Code.CHECK_LOGIN, "Login required")


class ParamError(AppError):
    def __init__(self, msg: str = "Invalid parameters.", cause: BaseException | None = None):
        super().__init__(Code.PARAM_ERR, msg, cause=cause)


class TooManyAttempts(AppError):
    """Rate limit hit; rendered in the envelope like any other error."""

    def __init__(self, retry_after: int):
        super().__init__(Code.NO_PERMISSION, f"Too many attempts, retry in {retry_after} seconds")
        self.retry_after = retry_after
