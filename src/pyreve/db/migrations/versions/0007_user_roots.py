"""every user has a root folder

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 22:40:00.000000

Roots used to be made on a user's first visit, inside whatever transaction asked for them; reads now
run in read-only transactions, so a root is made with its user, and users without one get it here.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

FOLDER = 1


def upgrade() -> None:
    users = sa.table('users', sa.column('id', sa.BigInteger))
    files = sa.table('files', sa.column('id', sa.BigInteger), sa.column('owner_id', sa.BigInteger),
                     sa.column('file_children', sa.BigInteger), sa.column('name', sa.String),
                     sa.column('type', sa.Integer), sa.column('size', sa.BigInteger),
                     sa.column('is_symbolic', sa.Boolean), sa.column('created_at', sa.DateTime),
                     sa.column('updated_at', sa.DateTime))
    has_root = sa.exists().where(files.c.owner_id == users.c.id, files.c.file_children.is_(None),
                                 files.c.name == '')
    rootless = op.get_bind().execute(sa.select(users.c.id).where(~has_root)).scalars().all()
    now = datetime.now(UTC).replace(tzinfo=None)
    if rootless:
        op.bulk_insert(files, [{'owner_id': uid, 'file_children': None, 'name': '', 'type': FOLDER, 'size': 0,
                                'is_symbolic': False, 'created_at': now, 'updated_at': now} for uid in rootless])


def downgrade() -> None:
    pass  # the roots stay: the code before this revision made them on demand anyway
