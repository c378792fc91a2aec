"""WebDAV accounts (spec: group-webdav-vas.md): list, create, update, delete."""

from __future__ import annotations

from fastapi import APIRouter, Query
from starlette.responses import Response

from pyreve.api.deps import LoginDep
from pyreve.api.envelope import ok
from pyreve.api.schemas.dav_account import AccountBody, DavAccountOut, DavAccountsOut, account_wire, accounts_wire
from pyreve.api.schemas.docs import doc
from pyreve.services import dav_account as accounts

router = APIRouter(prefix="/devices/dav", tags=["dav_account"])


def _form(body: AccountBody) -> accounts.AccountForm:
    return accounts.AccountForm(uri=body.uri, name=body.name, readonly=body.readonly, proxy=body.proxy,
                                disable_sys_files=body.disable_sys_files)


@router.get("", summary="List WebDAV accounts, newest first", **doc(DavAccountsOut))
async def list_accounts(ctx: LoginDep, page_size: int = Query(ge=10, le=100),
                        next_page_token: str = Query(default="", max_length=4096)) -> Response:
    return ok(accounts_wire(ctx.rt, await accounts.list_accounts(ctx, page_size, next_page_token)))


@router.put("", summary="Create a WebDAV account", **doc(DavAccountOut))
async def create_account(body: AccountBody, ctx: LoginDep) -> Response:
    return ok(account_wire(ctx.rt, await accounts.create_account(ctx, _form(body))))


@router.patch("/{account_id}", summary="Update a WebDAV account (the password stays)", **doc(DavAccountOut))
async def update_account(account_id: str, body: AccountBody, ctx: LoginDep) -> Response:
    return ok(account_wire(ctx.rt, await accounts.update_account(ctx, account_id, _form(body))))


@router.delete("/{account_id}", summary="Delete a WebDAV account")
async def delete_account(account_id: str, ctx: LoginDep) -> Response:
    await accounts.delete_account(ctx, account_id)
    return ok()
