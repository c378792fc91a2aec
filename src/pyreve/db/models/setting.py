from __future__ import annotations

from sqlalchemy.orm import Mapped, mapped_column

from pyreve.db.models.base import Base, CommonColumns, LongText, exact_string


class Setting(CommonColumns, Base):
    __tablename__ = "settings"

    name: Mapped[str] = mapped_column(exact_string(255), unique=True)
    value: Mapped[str | None] = mapped_column(LongText, nullable=True)
