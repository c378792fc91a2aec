from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pyreve.db.models.base import Base, BigInt, Blob, CommonColumns

USER_STATUSES = ("active", "inactive", "manual_banned", "sys_banned")


class Group(CommonColumns, Base):
    __tablename__ = "groups"

    name: Mapped[str] = mapped_column(sa.String(255))
    max_storage: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    speed_limit: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    permissions: Mapped[bytes | None] = mapped_column(Blob, nullable=True)
    settings: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, nullable=True)
    storage_policy_id: Mapped[int | None] = mapped_column(
        BigInt, sa.ForeignKey("storage_policies.id", ondelete="SET NULL"), nullable=True
    )


class User(CommonColumns, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(sa.String(100), unique=True)
    nick: Mapped[str] = mapped_column(sa.String(100), default="")
    password: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    status: Mapped[str] = mapped_column(sa.String(20), default="active")
    storage: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    two_factor_secret: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    avatar: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    settings: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, nullable=True)
    group_users: Mapped[int] = mapped_column(BigInt, sa.ForeignKey("groups.id"), index=True)

    group: Mapped[Group] = relationship(lazy="raise")
