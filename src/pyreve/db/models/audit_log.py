from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pyreve.db.models.base import Base, BigInt, CommonColumns


class AuditLog(CommonColumns, Base):
    """One recorded event (``type`` uses the client's AuditLogType numbering), written in the
    transaction of the change it records."""

    __tablename__ = "audit_logs"
    __table_args__ = (sa.Index("ix_audit_logs_file_id_id", "file_id", "id"),)

    type: Mapped[int] = mapped_column(sa.Integer)
    user_id: Mapped[int | None] = mapped_column(
        BigInt, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True)
    file_id: Mapped[int | None] = mapped_column(
        BigInt, sa.ForeignKey("files.id", ondelete="SET NULL"), nullable=True)
    entity_id: Mapped[int | None] = mapped_column(BigInt, nullable=True)
    content: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, nullable=True)
    ip: Mapped[str] = mapped_column(sa.String(64), default="")
    user_agent: Mapped[str] = mapped_column(sa.Text, default="")
    correlation_id: Mapped[str] = mapped_column(sa.String(36), default="")
