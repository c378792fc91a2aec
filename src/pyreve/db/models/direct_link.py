from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pyreve.db.models.base import Base, BigInt, CommonColumns
from pyreve.db.models.file import Name


class DirectLink(CommonColumns, Base):
    """A permanent link ``/f/{id}/{name}`` to a file's current version; hard-deleted with the file."""

    __tablename__ = "direct_links"

    name: Mapped[str] = mapped_column(Name)
    downloads: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    file_id: Mapped[int] = mapped_column(BigInt, sa.ForeignKey("files.id", ondelete="CASCADE"), index=True)
    speed: Mapped[int] = mapped_column(sa.Integer, default=0)
