from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pyreve.db.models.base import Base, BigInt, Blob, CommonColumns


class DavAccount(CommonColumns, Base):
    """One WebDAV login of a user: a generated password that opens one folder (``uri``) at /dav."""

    __tablename__ = "dav_accounts"
    __table_args__ = (sa.UniqueConstraint("owner_id", "password"),)

    name: Mapped[str] = mapped_column(sa.String(255))
    uri: Mapped[str] = mapped_column(sa.Text)
    password: Mapped[str] = mapped_column(sa.String(64))
    options: Mapped[bytes | None] = mapped_column(Blob, nullable=True)
    props: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, nullable=True)
    owner_id: Mapped[int] = mapped_column(BigInt, sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
