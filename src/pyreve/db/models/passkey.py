from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pyreve.db.models.base import Base, BigInt, CommonColumns, Timestamp


class Passkey(CommonColumns, Base):
    __tablename__ = "passkeys"
    __table_args__ = (sa.UniqueConstraint("user_id", "credential_id"),)

    user_id: Mapped[int] = mapped_column(BigInt, sa.ForeignKey("users.id", ondelete="CASCADE"))
    credential_id: Mapped[str] = mapped_column(sa.String(255))
    name: Mapped[str] = mapped_column(sa.String(255))
    credential: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    used_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
