"""Alembic environment: runs on the connection pyreve hands over (see pyreve.db.migrate)."""

from __future__ import annotations

from alembic import context

from pyreve.db.models import Base

target_metadata = Base.metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through `pyreve migrate`")
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run()
