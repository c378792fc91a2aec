from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from pyreve.api.schemas.common import Body
from pyreve.api.schemas.docs import Out
from pyreve.db.models import DavAccount
from pyreve.kit import boolset
from pyreve.kit.clock import rfc3339
from pyreve.kit.hashid import IdType
from pyreve.services.context import Runtime
from pyreve.services.dav_account import AccountPage


class AccountBody(Body):
    uri: Annotated[str, StringConstraints(min_length=1, max_length=65535)]
    name: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    readonly: bool = False
    proxy: bool = False
    disable_sys_files: bool = False


class DavAccountOut(Out):
    id: str
    created_at: str
    name: str
    uri: str
    password: str
    options: str | None = Field(description="boolset: 0 readonly, 1 proxy, 2 disable_sys_files")


class PaginationOut(Out):
    page: int
    page_size: int
    next_token: str | None = None
    is_cursor: bool | None = None


class DavAccountsOut(Out):
    accounts: list[DavAccountOut]
    pagination: PaginationOut | None = None


def account_wire(rt: Runtime, account: DavAccount) -> dict[str, Any]:
    return {"id": rt.ids.encode(account.id, IdType.DAV_ACCOUNT), "created_at": rfc3339(account.created_at),
            "name": account.name, "uri": account.uri, "password": account.password,
            "options": boolset.encode(account.options)}


def accounts_wire(rt: Runtime, page: AccountPage) -> dict[str, Any]:
    pagination: dict[str, Any] = {"page": 0, "page_size": page.page_size, "is_cursor": True}
    if page.next_token:
        pagination["next_token"] = page.next_token
    return {"accounts": [account_wire(rt, a) for a in page.accounts], "pagination": pagination}
