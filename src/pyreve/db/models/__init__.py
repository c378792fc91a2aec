"""One SQLAlchemy model per table; table and column names follow Cloudreve's schema."""

from pyreve.db.models.audit_log import AuditLog
from pyreve.db.models.base import Base
from pyreve.db.models.dav_account import DavAccount
from pyreve.db.models.direct_link import DirectLink
from pyreve.db.models.file import Entity, File, FileEntity, FsLock, Metadata, UploadSession
from pyreve.db.models.group_policy import GroupStoragePolicy
from pyreve.db.models.kv import KVEntry
from pyreve.db.models.node import Node
from pyreve.db.models.passkey import Passkey
from pyreve.db.models.policy import StoragePolicy
from pyreve.db.models.setting import Setting
from pyreve.db.models.share import Share
from pyreve.db.models.user import Group, User

__all__ = [
    "AuditLog", "DirectLink", "GroupStoragePolicy",
    "Base", "DavAccount", "Entity", "File", "FileEntity", "FsLock", "Group", "KVEntry", "Metadata", "Node", "Passkey",
    "Setting", "Share", "StoragePolicy", "UploadSession", "User",
]
