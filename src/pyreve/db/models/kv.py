from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pyreve.db.models.base import Base, LongText, exact_string


class KVEntry(Base):
    """Short-lived shared state (captcha answers, 2FA sessions, revocations) when Redis is not configured."""

    __tablename__ = "kv_entries"

    key: Mapped[str] = mapped_column(exact_string(255), primary_key=True)
    value: Mapped[str] = mapped_column(LongText)
    # Unix time; DOUBLE, since MariaDB's FLOAT is single precision (a 128 s step at today's epoch).
    expires_at: Mapped[float | None] = mapped_column(sa.Double, nullable=True, index=True)
