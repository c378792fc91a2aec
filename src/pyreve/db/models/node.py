from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pyreve.db.models.base import Base, Blob, CommonColumns


class Node(CommonColumns, Base):
    __tablename__ = "nodes"

    status: Mapped[str] = mapped_column(sa.String(20), default="active")
    name: Mapped[str] = mapped_column(sa.String(255))
    type: Mapped[str] = mapped_column(sa.String(20))
    server: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    slave_key: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    capabilities: Mapped[bytes | None] = mapped_column(Blob, nullable=True)
    settings: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, nullable=True)
    weight: Mapped[int] = mapped_column(sa.Integer, default=0)
