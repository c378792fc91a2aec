"""Boot configuration in Cloudreve's ``conf.ini`` layout, with ``CR_CONF_<Section>.<Key>`` overrides.

Site settings live in the database (``services/settings.py``); this file only holds what is needed
before the database can be reached.
"""

from __future__ import annotations

import configparser
import os
import secrets
import string
from dataclasses import dataclass, field
from pathlib import Path

ENV_PREFIX = "CR_CONF_"
_ALNUM = string.ascii_letters + string.digits


def random_string(length: int, alphabet: str = _ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


@dataclass
class SystemConfig:
    mode: str = "master"
    listen: str = ":5212"
    debug: bool = False
    session_secret: str = ""
    hash_id_salt: str = ""  # deprecated in Cloudreve v4; only copied by v3 imports
    proxy_header: str = "X-Forwarded-For"
    log_level: str = "info"
    workers: int = 0  # 0 = one per core


@dataclass
class DatabaseConfig:
    type: str = "sqlite"
    user: str = ""
    password: str = ""
    host: str = ""
    name: str = ""
    table_prefix: str = ""  # as in Cloudreve v4: only used when importing a v3 database
    db_file: str = "cloudreve.db"
    port: int = 0
    charset: str = "utf8mb4"
    unix_socket: bool = False


@dataclass
class RedisConfig:
    network: str = "tcp"
    server: str = ""
    user: str = ""
    password: str = ""
    db: int = 0


@dataclass
class CorsConfig:
    allow_origins: list[str] = field(default_factory=lambda: ["UNSET"])
    allow_methods: list[str] = field(default_factory=lambda: ["PUT", "POST", "GET", "OPTIONS"])
    allow_headers: list[str] = field(
        default_factory=lambda: [
            "Cookie", "X-Cr-Policy", "Authorization", "Content-Length", "Content-Type", "X-Cr-Path",
            "X-Cr-FileName",
        ]
    )
    allow_credentials: bool = False
    expose_headers: list[str] = field(default_factory=list)
    same_site: str = "Default"
    secure: bool = False

    @property
    def enabled(self) -> bool:
        return bool(self.allow_origins) and self.allow_origins != ["UNSET"]


@dataclass
class Config:
    data_dir: Path
    path: Path
    system: SystemConfig = field(default_factory=SystemConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    redis: RedisConfig = field(default_factory=RedisConfig)
    cors: CorsConfig = field(default_factory=CorsConfig)
    option_overwrite: dict[str, str] = field(default_factory=dict)

    @property
    def listen_host_port(self) -> tuple[str, int]:
        host, _, port = self.system.listen.rpartition(":")
        return (host or "0.0.0.0", int(port))

    @property
    def sqlite_path(self) -> Path:
        path = Path(self.database.db_file)
        return path if path.is_absolute() else self.data_dir / path


_SECTIONS: dict[str, tuple[str, dict[str, str]]] = {
    # ini section -> (Config attribute, {ini key: dataclass field})
    "System": ("system", {
        "Mode": "mode", "Listen": "listen", "Debug": "debug", "SessionSecret": "session_secret",
        "HashIDSalt": "hash_id_salt", "ProxyHeader": "proxy_header", "LogLevel": "log_level",
        "Workers": "workers",
    }),
    "Database": ("database", {
        "Type": "type", "User": "user", "Password": "password", "Host": "host", "Name": "name",
        "TablePrefix": "table_prefix", "DBFile": "db_file", "Port": "port", "Charset": "charset",
        "UnixSocket": "unix_socket",
    }),
    "Redis": ("redis", {
        "Network": "network", "Server": "server", "User": "user", "Password": "password", "DB": "db",
    }),
    "CORS": ("cors", {
        "AllowOrigins": "allow_origins", "AllowMethods": "allow_methods", "AllowHeaders": "allow_headers",
        "AllowCredentials": "allow_credentials", "ExposeHeaders": "expose_headers",
        "SameSite": "same_site", "Secure": "secure",
    }),
}

_DEFAULT_CONF = """[System]
Debug = false
Mode = master
Listen = :5212
SessionSecret = {session_secret}
"""


class ConfigError(Exception):
    pass


def _convert(raw: str, current: object, key: str) -> object:
    raw = raw.strip()
    if isinstance(current, bool):
        lowered = raw.lower()
        if lowered in ("1", "t", "true", "yes", "on"):
            return True
        if lowered in ("0", "f", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{key}: {raw!r} is not a boolean")
    if isinstance(current, int):
        try:
            return int(raw or 0)
        except ValueError:
            raise ConfigError(f"{key}: {raw!r} is not an integer") from None
    if isinstance(current, list):
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw


def env_overrides(environ: dict[str, str]) -> dict[str, dict[str, str]]:
    """``CR_CONF_Database.Type=postgres`` → ``{"Database": {"Type": "postgres"}}``."""
    out: dict[str, dict[str, str]] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or "." not in name:
            continue
        section, _, key = name[len(ENV_PREFIX):].partition(".")
        out.setdefault(section, {})[key] = value
    return out


def _create_default(path: Path) -> None:
    """Write a first ``conf.ini``: readable by its owner only from the start, and never half written.

    Of several processes starting at once, the first to link its copy into place wins; the others
    read that one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(_DEFAULT_CONF.format(session_secret=random_string(64)))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links
            if not path.exists():
                os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load(data_dir: Path, path: Path | None = None, environ: dict[str, str] | None = None) -> Config:
    """Read (creating on first run) ``conf.ini``; environment overrides win over the file."""
    data_dir = Path(data_dir)
    path = Path(path) if path else data_dir / "conf.ini"
    if not path.exists():
        _create_default(path)
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as exc:
        raise ConfigError(f"cannot parse {path}: {exc}") from exc
    for section, values in env_overrides(dict(os.environ if environ is None else environ)).items():
        if not parser.has_section(section):
            parser.add_section(section)
        for key, value in values.items():
            parser.set(section, key, value)

    config = Config(data_dir=data_dir, path=path)
    for section, (attr, keys) in _SECTIONS.items():
        if not parser.has_section(section):
            continue
        target = getattr(config, attr)
        for key, value in parser.items(section):
            field_name = keys.get(key)
            if field_name is None:
                continue
            setattr(target, field_name, _convert(value, getattr(target, field_name), f"{section}.{key}"))
    if parser.has_section("OptionOverwrite"):
        config.option_overwrite = dict(parser.items("OptionOverwrite"))
    config.database.type = config.database.type.lower()
    if config.database.type == "sqlite3":
        config.database.type = "sqlite"
    if config.database.type not in ("sqlite", "postgres", "mysql"):
        raise ConfigError(f"Database.Type {config.database.type!r} is not supported (sqlite, postgres, mysql)")
    try:
        port = config.listen_host_port[1]
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise ConfigError(f"System.Listen: {config.system.listen!r} is not [host]:port")
    return config
