"""Rows a fresh install needs, as Cloudreve seeds them: settings, system groups, storage policy, master node.

Runs after every migration; each insert happens only when its row is missing, so it is idempotent.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from pyreve.config import Config
from pyreve.db.models import Group, Node, Setting, StoragePolicy
from pyreve.db.setting_defaults import DEFAULTS, generated_defaults
from pyreve.kit import boolset
from pyreve.kit.clock import utcnow

ADMIN_GROUP_ID, USER_GROUP_ID, ANONYMOUS_GROUP_ID = 1, 2, 3
TB, GB = 1 << 40, 1 << 30
WEEK = 7 * 24 * 3600


class GroupPermission:
    IS_ADMIN = 0
    IS_ANONYMOUS = 1
    SHARE = 2
    WEBDAV = 3
    ARCHIVE_DOWNLOAD = 4
    ARCHIVE_TASK = 5
    WEBDAV_PROXY = 6
    SHARE_DOWNLOAD = 7
    SHARE_FREE = 8
    REMOTE_DOWNLOAD = 9
    RELOCATE = 10
    REDIRECTED_SOURCE = 11
    ADVANCE_DELETE = 12
    SELECT_NODE = 13
    SET_ANONYMOUS_PERMISSION = 14
    IGNORE_FILE_OWNERSHIP = 16


P = GroupPermission


def _group_rows() -> list[dict[str, object]]:
    now = utcnow()
    common = {"created_at": now, "updated_at": now, "speed_limit": 0}
    return [
        {**common, "id": ADMIN_GROUP_ID, "name": "Admin", "max_storage": TB, "storage_policy_id": 1,
         "permissions": boolset.from_flags([
             P.IS_ADMIN, P.SHARE, P.WEBDAV, P.WEBDAV_PROXY, P.ARCHIVE_DOWNLOAD, P.ARCHIVE_TASK,
             P.SHARE_DOWNLOAD, P.REMOTE_DOWNLOAD, P.REDIRECTED_SOURCE, P.ADVANCE_DELETE,
             P.IGNORE_FILE_OWNERSHIP]),
         "settings": {"source_batch": 1000, "aria2_batch": 50, "max_walked_files": 100000,
                      "trash_retention": WEEK, "redirected_source": True}},
        {**common, "id": USER_GROUP_ID, "name": "User", "max_storage": GB, "storage_policy_id": 1,
         "permissions": boolset.from_flags([P.SHARE, P.SHARE_DOWNLOAD, P.REDIRECTED_SOURCE]),
         "settings": {"source_batch": 10, "aria2_batch": 1, "max_walked_files": 100000,
                      "trash_retention": WEEK, "redirected_source": True}},
        {**common, "id": ANONYMOUS_GROUP_ID, "name": "Anonymous", "max_storage": 0, "storage_policy_id": None,
         "permissions": boolset.from_flags([P.IS_ANONYMOUS, P.SHARE_DOWNLOAD]),
         "settings": {"max_walked_files": 100000, "redirected_source": True}},
    ]


def _missing(conn: sa.Connection, table: sa.Table, ids: list[int]) -> set[int]:
    present = set(conn.scalars(sa.select(table.c.id).where(table.c.id.in_(ids))))
    return set(ids) - present


def _fix_sequence(conn: sa.Connection, table: str) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"))


def seed_defaults(conn: sa.Connection, config: Config) -> None:
    now = utcnow()
    settings = Setting.__table__
    present = set(conn.scalars(sa.select(settings.c.name)))
    wanted = {**DEFAULTS, **generated_defaults()}
    rows = [{"name": k, "value": v, "created_at": now, "updated_at": now}
            for k, v in wanted.items() if k not in present]
    if rows:
        conn.execute(sa.insert(settings), rows)

    nodes = Node.__table__
    if conn.scalar(sa.select(sa.func.count()).select_from(nodes).where(nodes.c.type == "master")) == 0:
        conn.execute(sa.insert(nodes).values(
            name="Master", type="master", status="active", weight=0, created_at=now, updated_at=now,
            capabilities=boolset.from_flags([1, 2, 3]), settings={"provider": "aria2"}))

    policies = StoragePolicy.__table__
    if _missing(conn, policies, [1]):
        uploads = Path(config.data_dir).resolve() / "uploads"
        conn.execute(sa.insert(policies).values(
            id=1, name="Default storage policy", type="local", max_size=0, created_at=now, updated_at=now,
            dir_name_rule=str(uploads / "{uid}" / "{path}"), file_name_rule="{uid}_{randomkey8}_{originname}",
            settings={"chunk_size": 25 << 20, "pre_allocate": True}))
        _fix_sequence(conn, "storage_policies")

    groups = Group.__table__
    missing = _missing(conn, groups, [ADMIN_GROUP_ID, USER_GROUP_ID, ANONYMOUS_GROUP_ID])
    if missing:
        conn.execute(sa.insert(groups), [row for row in _group_rows() if row["id"] in missing])
        _fix_sequence(conn, "groups")
