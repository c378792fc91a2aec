from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pyreve.db.models.base import Base, BigInt, CommonColumns


class StoragePolicy(CommonColumns, Base):
    __tablename__ = "storage_policies"

    name: Mapped[str] = mapped_column(sa.String(255))
    type: Mapped[str] = mapped_column(sa.String(32))
    server: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    bucket_name: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    is_private: Mapped[bool | None] = mapped_column(sa.Boolean, nullable=True)
    access_key: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    secret_key: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    max_size: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    dir_name_rule: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    file_name_rule: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    settings: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, nullable=True)
    node_id: Mapped[int | None] = mapped_column(
        BigInt, sa.ForeignKey("nodes.id", ondelete="SET NULL"), nullable=True
    )
