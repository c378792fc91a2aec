from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pyreve.db.models.base import Base, BigInt


class GroupStoragePolicy(Base):
    """A storage policy a group may use besides its default one (``groups.storage_policy_id``)."""

    __tablename__ = "group_storage_policies"

    group_id: Mapped[int] = mapped_column(BigInt, sa.ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    storage_policy_id: Mapped[int] = mapped_column(
        BigInt, sa.ForeignKey("storage_policies.id", ondelete="CASCADE"), primary_key=True, index=True)
