from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from pyreve.db.models.base import Base, BigInt, CommonColumns, LongText, Timestamp

FILE, FOLDER = 0, 1
ENTITY_VERSION, ENTITY_THUMBNAIL, ENTITY_LIVE_PHOTO = 0, 1, 2

# Names compare byte-exact everywhere (MariaDB's default collation would fold case).
Name = sa.String(255).with_variant(mysql.VARCHAR(255, collation="utf8mb4_bin"), "mysql", "mariadb")


class File(CommonColumns, Base):
    """A tree node: file or folder. Roots have name "" and no parent; trashed items have no parent."""

    __tablename__ = "files"
    __table_args__ = (
        sa.UniqueConstraint("file_children", "name"),
        sa.Index("ix_files_parent_type_updated", "file_children", "type", "updated_at"),
        sa.Index("ix_files_parent_type_size", "file_children", "type", "size"),
        sa.Index("ix_files_parent_type_name", "file_children", "type", "name"),
        sa.Index("ix_files_parent_type_id", "file_children", "type", "id"),
        sa.Index("ix_files_owner_parent", "owner_id", "file_children"),
        sa.Index("ix_files_owner_symbolic", "owner_id", "is_symbolic"),
    )

    type: Mapped[int] = mapped_column(sa.Integer)
    name: Mapped[str] = mapped_column(Name)
    owner_id: Mapped[int] = mapped_column(BigInt, sa.ForeignKey("users.id", ondelete="CASCADE"))
    size: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    primary_entity: Mapped[int | None] = mapped_column(BigInt, nullable=True)
    file_children: Mapped[int | None] = mapped_column(
        BigInt, sa.ForeignKey("files.id", ondelete="CASCADE"), nullable=True
    )
    is_symbolic: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    props: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, nullable=True)
    storage_policy_files: Mapped[int | None] = mapped_column(
        BigInt, sa.ForeignKey("storage_policies.id", ondelete="SET NULL"), nullable=True
    )
    # Explicit permission setting (inherited by descendants without one of their own).
    permissions: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, nullable=True)
    # Storage policy mounted on a folder: uploads below it use it (ignored once the policy is gone).
    mounted_policy_id: Mapped[int | None] = mapped_column(BigInt, nullable=True)


class Entity(CommonColumns, Base):
    """A blob in a storage policy: a version, a thumbnail or a live photo. Shared by copies."""

    __tablename__ = "entities"

    type: Mapped[int] = mapped_column(sa.Integer)
    source: Mapped[str] = mapped_column(sa.Text)
    size: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    reference_count: Mapped[int] = mapped_column(sa.Integer, default=1, index=True)
    storage_policy_entities: Mapped[int] = mapped_column(BigInt, sa.ForeignKey("storage_policies.id"))
    created_by: Mapped[int | None] = mapped_column(
        BigInt, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    upload_session_id: Mapped[str | None] = mapped_column(sa.String(36), nullable=True, index=True)
    recycle_options: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, nullable=True)


class FileEntity(Base):
    __tablename__ = "file_entities"

    file_id: Mapped[int] = mapped_column(BigInt, sa.ForeignKey("files.id", ondelete="CASCADE"), primary_key=True)
    entity_id: Mapped[int] = mapped_column(
        BigInt, sa.ForeignKey("entities.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Metadata(CommonColumns, Base):
    __tablename__ = "metadata"
    __table_args__ = (sa.UniqueConstraint("file_id", "name"), sa.Index("ix_metadata_name", "name"))

    name: Mapped[str] = mapped_column(Name)
    value: Mapped[str] = mapped_column(LongText, default="")
    file_id: Mapped[int] = mapped_column(BigInt, sa.ForeignKey("files.id", ondelete="CASCADE"))
    is_public: Mapped[bool] = mapped_column(sa.Boolean, default=False)


class UploadSession(Base):
    """A chunked upload in progress; kept in the database so it resumes after a restart."""

    __tablename__ = "upload_sessions"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    owner_id: Mapped[int] = mapped_column(BigInt, sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(BigInt, sa.ForeignKey("files.id", ondelete="CASCADE"))
    entity_id: Mapped[int] = mapped_column(BigInt)
    policy_id: Mapped[int] = mapped_column(BigInt)
    uri: Mapped[str] = mapped_column(sa.Text)
    size: Mapped[int] = mapped_column(sa.BigInteger)
    chunk_size: Mapped[int] = mapped_column(sa.BigInteger)
    entity_type: Mapped[int] = mapped_column(sa.Integer, default=ENTITY_VERSION)
    mime_type: Mapped[str] = mapped_column(sa.String(255), default="")
    callback_secret: Mapped[str] = mapped_column(sa.String(64))
    lock_token: Mapped[str] = mapped_column(sa.String(64), default="")
    last_modified: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    props: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    expires_at: Mapped[datetime] = mapped_column(Timestamp, index=True)


class FsLock(Base):
    """A lock on a path of one owner's tree, shared by the API and WebDAV across every worker."""

    __tablename__ = "fs_locks"

    token: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    owner_id: Mapped[int] = mapped_column(BigInt, index=True)
    path: Mapped[str] = mapped_column(LongText)
    depth_infinity: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # A shared lock may have other shared holders on the same path; an exclusive one has none (RFC 4918 §6.2).
    shared: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    application: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    expires_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
