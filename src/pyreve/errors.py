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
    MASTER_NOT_FOUND = 40009
    PHONE_REQUIRED = 40010
    BATCH_ARIA2_SIZE = 40015
    DELETE_DEFAULT_POLICY = 40036
    POLICY_USED_BY_FILES = 40037
    POLICY_USED_BY_GROUPS = 40038
    INVALID_ACTION_ON_SYSTEM_GROUP = 40040
    GROUP_USED_BY_USER = 40041
    CHANGE_GROUP_FOR_DEFAULT_USER = 40042
    INVALID_ACTION_ON_DEFAULT_USER = 40043
    FILE_NOT_FOUND = 40044
    LIST_FILES_ERROR = 40045
    INVALID_ACTION_ON_SYSTEM_NODE = 40046
    CREATE_FS_ERROR = 40047
    CREATE_TASK_ERROR = 40048
    FILE_TOO_LARGE = 40049
    FILE_TYPE_NOT_ALLOWED = 40050
    INSUFFICIENT_CAPACITY = 40051
    ILLEGAL_OBJECT_NAME = 40052
    ROOT_PROTECTED = 40053
    CONFLICT_UPLOAD_ONGOING = 40054
    META_MISMATCH = 40055
    UNSUPPORTED_ARCHIVE_TYPE = 40056
    POLICY_CHANGED = 40057
    SHARE_LINK_NOT_FOUND = 40058
    SAVE_OWN_SHARE = 40059
    SLAVE_PING_MASTER = 40060
    VERSION_MISMATCH = 40061
    INSUFFICIENT_CREDIT = 40062
    GROUP_CONFLICT = 40063
    GROUP_INVALID = 40064
    INVALID_GIFT_CODE = 40065
    OPENID_BIND_CONFLICT = 40066
    OPENID_BIND_OTHER_ACCOUNT = 40067
    OPENID_NOT_LINKED = 40068
    INCORRECT_PASSWORD = 40069
    DISABLED_SHARE_PREVIEW = 40070
    INVALID_SIGN = 40071
    FULFILL_ADMIN_GROUP = 40072
    LOCK_CONFLICT = 40073
    TOO_MANY_URIS = 40074
    LOCK_EXPIRED = 40075
    STALE_VERSION = 40076
    ENTITY_NOT_EXIST = 40077
    FILE_DELETED = 40078
    FILE_COUNT_LIMIT_REACHED = 40079
    INVALID_PASSWORD = 40080
    BATCH_NOT_FULLY_COMPLETED = 40081
    OWNER_ONLY = 40082
    PURCHASE_REQUIRED = 40083
    MANAGED_ACCOUNT_MINIMUM_OPENID = 40084
    AMOUNT_TOO_SMALL = 40085
    NODE_USED_BY_STORAGE_POLICY = 40086
    DOMAIN_NOT_LICENSED = 40087
    DB_ERROR = 50001
    ENCRYPT_ERROR = 50002
    IO_FAILED = 50004
    INTERNAL_SETTING = 50005
    CACHE_OPERATION = 50006
    CALLBACK_ERROR = 50007
    UPDATE_SETTING = 50008
    ADD_CORS = 50009
    NODE_OFFLINE = 50010
    QUERY_META_FAILED = 50011


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


class OwnerOnly(AppError):
    def __init__(self) -> None:
        super().__init__(Code.OWNER_ONLY, "Only the owner can do this")


class TooManyAttempts(AppError):
    """Rate limit hit; rendered in the envelope like any other error."""

    def __init__(self, retry_after: int):
        super().__init__(Code.NO_PERMISSION, f"Too many attempts, retry in {retry_after} seconds")
        self.retry_after = retry_after


class BatchError(AppError):
    """Some items of a batch failed: ``errors`` maps each failed item (its canonical URI) to its error."""

    def __init__(self, errors: dict[str, AppError]):
        msg = next(iter(errors.values())).msg if len(errors) == 1 else "One or more operation failed"
        super().__init__(Code.BATCH_NOT_FULLY_COMPLETED, msg)
        self.errors = errors


class SchemaTooNew(Exception):
    """The database was written by a newer pyreve than this one."""
