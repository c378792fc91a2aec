"""Walking and shaping one owner's tree of file rows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pyreve.db.models import File
from pyreve.db.models.file import FOLDER
from pyreve.db.repos import files as repo
from pyreve.db.uow import READING
from pyreve.errors import AppError, Code
from pyreve.fs.names import clean_name

MAX_DEPTH = 256


class PathNotFound(AppError):
    """A path element is missing; ``ancestor`` is the deepest existing folder on the way."""

    def __init__(self, ancestor: File | None, missing: list[str]):
        super().__init__(Code.PARENT_NOT_EXIST, "Path not exist")
        self.ancestor = ancestor
        self.missing = missing


def symbolic_error() -> AppError:
    return AppError(Code.NO_PERMISSION, "Symbolic folder cannot be walked into")


async def ensure_root(session: AsyncSession, owner_id: int) -> File:
    """The owner's root folder, made now if missing (users get theirs when they are created)."""
    found = await repo.root(session, owner_id)
    if found is not None:
        return found
    if session.info.get(READING):
        raise PathNotFound(None, [])
    await repo.lock_owner(session, owner_id)  # one root per owner even when two requests race
    found = await repo.root(session, owner_id)
    if found is None:
        found = File(type=FOLDER, name="", owner_id=owner_id, size=0, file_children=None, is_symbolic=False)
        session.add(found)
        await session.flush()
    return found


async def walk(session: AsyncSession, root: File, elements: list[str]) -> File:
    current = root
    for index, name in enumerate(elements):
        if current.type != FOLDER:
            raise PathNotFound(None, elements[index:])
        if current.is_symbolic:
            raise symbolic_error()
        found = await repo.child(session, current.id, name)
        if found is None:
            raise PathNotFound(current, elements[index:])
        current = found
    return current


async def ancestors(session: AsyncSession, file: File) -> list[File]:
    """From the top-most row (a root or a trash entry) down to ``file``."""
    chain = [file]
    while chain[-1].file_children is not None and len(chain) <= MAX_DEPTH:
        parent = await repo.by_id(session, chain[-1].file_children)
        if parent is None:
            break
        chain.append(parent)
    chain.reverse()
    return chain


@dataclass(frozen=True)
class Location:
    """Where a row is from its owner's point of view."""

    in_trash: bool
    elements: list[str]  # below the root (my) or below the trash entry
    top: File


async def locate(session: AsyncSession, file: File) -> Location:
    chain = await ancestors(session, file)
    top = chain[0]
    return Location(in_trash=top.name != "", elements=[f.name for f in chain[1:]], top=top)


async def make_folders(session: AsyncSession, parent: File, names: list[str], policy_id: int | None) -> File:
    """Create the missing folders ``names`` below ``parent`` (each name validated)."""
    current = parent
    for raw in names:
        name = clean_name(raw)
        existing = await repo.child(session, current.id, name)
        if existing is not None:
            if existing.type != FOLDER:
                raise AppError(Code.OBJECT_EXIST, "Object existed")
            current = existing
            continue
        folder = File(type=FOLDER, name=name, owner_id=parent.owner_id, size=0, file_children=current.id,
                      is_symbolic=False, storage_policy_files=policy_id)
        try:
            async with session.begin_nested():
                session.add(folder)
                await session.flush()
        except IntegrityError:  # created meanwhile by another request
            raced = await repo.child(session, current.id, name)
            if raced is None or raced.type != FOLDER:
                raise AppError(Code.OBJECT_EXIST, "Object existed") from None
            folder = raced
        current = folder
    return current
