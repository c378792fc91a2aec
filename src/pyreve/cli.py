"""The ``pyreve`` command: serve, migrate, admin create."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import subprocess
import sys
from pathlib import Path

from pyreve import __version__
from pyreve.config import Config, ConfigError, load
from pyreve.errors import SchemaTooNew

# The database layer is imported inside the commands that use it: `serve` migrates in a child
# process, so the long-lived supervisor process stays small.

log = logging.getLogger("pyreve")


def _config(args: argparse.Namespace) -> Config:
    return load(Path(args.data_dir), Path(args.config) if args.config else None)


async def _migrate(config: Config) -> None:
    from pyreve.db import migrate
    from pyreve.db.engine import create_engine

    engine = create_engine(config)
    try:
        await migrate.upgrade(engine, config)
    finally:
        await engine.dispose()


def cmd_migrate(args: argparse.Namespace) -> int:
    asyncio.run(_migrate(_config(args)))
    print("database schema is up to date")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces, Loops

    config = _config(args)
    if args.listen:
        config.system.listen = args.listen
    migrated = subprocess.run([sys.executable, "-m", "pyreve.cli", "--data-dir", str(config.data_dir),
                               "-c", str(config.path), "migrate"], stdout=subprocess.DEVNULL)
    if migrated.returncode != 0:
        return migrated.returncode
    workers = args.workers or config.system.workers or os.cpu_count() or 1
    host, port = config.listen_host_port
    os.environ["PYREVE_DATA_DIR"] = str(config.data_dir)
    os.environ["PYREVE_CONF"] = str(config.path)
    os.environ["PYREVE_WORKERS"] = str(workers)
    if args.listen:
        os.environ["CR_CONF_System.Listen"] = args.listen
    log.info("pyreve %s listening on %s:%s with %d worker(s)", __version__, host, port, workers)
    Granian(
        "pyreve.app:app_from_environment", factory=True, address=host, port=port, workers=workers,
        interface=Interfaces.ASGI, loop=Loops.uvloop, http=HTTPModes.http1, websockets=False,
        log_access=False, workers_kill_timeout=10,
    ).serve()
    return 0


async def _create_admin(config: Config, email: str, password: str) -> str:
    from pyreve.services.bootstrap import close_runtime, open_runtime
    from pyreve.services.user import create_admin

    await _migrate(config)
    rt = await open_runtime(config)
    try:
        return await create_admin(rt, email, password)
    finally:
        await close_runtime(rt)


def cmd_admin_create(args: argparse.Namespace) -> int:
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(args.email, check_deliverability=False)
    except EmailNotValidError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if len(args.password) < 6:
        print("error: the password needs at least 6 characters", file=sys.stderr)
        return 2
    outcome = asyncio.run(_create_admin(_config(args), args.email, args.password))
    print(outcome)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pyreve", description="A cloud drive server speaking the Cloudreve v4 API")
    parser.add_argument("--version", action="version", version=__version__)
    parser.add_argument("--data-dir", default=os.environ.get("PYREVE_DATA_DIR", "data"),
                        help="data directory (default ./data)")
    parser.add_argument("-c", "--config", default=None, help="conf.ini path (default <data-dir>/conf.ini)")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="migrate the database and start the server")
    serve.add_argument("--listen", default=None, help="host:port (default System.Listen, :5212)")
    serve.add_argument("--workers", type=int, default=0, help="worker processes (default: one per core)")
    serve.set_defaults(func=cmd_serve)

    sub.add_parser("migrate", help="bring the database schema up to date").set_defaults(func=cmd_migrate)

    admin = sub.add_parser("admin", help="administration")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    create = admin_sub.add_parser("create", help="create an administrator account")
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.set_defaults(func=cmd_admin_create)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(f"error: configuration: {exc}", file=sys.stderr)
        return 2
    except SchemaTooNew as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
