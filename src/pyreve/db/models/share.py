from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pyreve.db.models.base import Base, BigInt, CommonColumns, Timestamp


class Share(CommonColumns, Base):
    """A share link to one file or folder (spec: share.md §1); ``deleted_at`` marks a deleted link."""

    __tablename__ = "shares"
    __table_args__ = (sa.Index("ix_shares_owner_id", "user_shares", "id"),)

    password: Mapped[str | None] = mapped_column(sa.String(255), nullable=True)
    views: Mapped[int] = mapped_column(sa.Integer, default=0)
    downloads: Mapped[int] = mapped_column(sa.Integer, default=0)
    expires: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    remain_downloads: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    props: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, nullable=True)
    file_shares: Mapped[int] = mapped_column(BigInt, sa.ForeignKey("files.id", ondelete="CASCADE"), index=True)
    user_shares: Mapped[int] = mapped_column(BigInt, sa.ForeignKey("users.id", ondelete="CASCADE"))
