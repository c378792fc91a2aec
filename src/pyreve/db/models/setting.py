from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pyreve.db.models.base import Base, CommonColumns, LongText


class Setting(CommonColumns, Base):
    __tablename__ = "settings"

    name: Mapped[str] = mapped_column(sa.String(255), unique=True)
    value: Mapped[str | None] = mapped_column(LongText, nullable=True)
