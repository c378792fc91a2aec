"""Boot configuration: Cloudreve's conf.ini layout with CR_CONF_ environment overrides."""

from __future__ import annotations

import stat
import string
import threading
from pathlib import Path

import pytest

from pyreve.config import ConfigError, load
from pyreve.db import migrate
from pyreve.db.engine import create_engine, database_url
from pyreve.services.settings import SiteSettings

FULL = """
[System]
Mode = master
Listen = 127.0.0.1:8080
Debug = true
SessionSecret = s3cret
HashIDSalt = salty
ProxyHeader = X-Real-IP
LogLevel = debug
Workers = 3

[Database]
Type = postgres
User = cloud
Password = p@ss:word/1
Host = db.internal
Name = drive
TablePrefix = cd_
DBFile = ignored.db
Port = 6543
Charset = utf8
UnixSocket = yes

[Redis]
Network = unix
Server = /run/redis.sock
User = default
Password = r3dis
DB = 4

[CORS]
AllowOrigins = https://a.example, https://b.example
AllowMethods = GET,POST
AllowHeaders = Authorization
AllowCredentials = true
ExposeHeaders = X-One, X-Two
SameSite = Lax
Secure = on

[OptionOverwrite]
siteName = From the file
register_enabled = 0

[SomethingElse]
Key = value
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "conf.ini"
    path.write_text(text)
    return path


def test_first_run_creates_a_private_conf_with_a_random_secret(tmp_path: Path) -> None:
    config = load(tmp_path / "data", environ={})
    path = tmp_path / "data" / "conf.ini"
    assert config.path == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    secret = config.system.session_secret
    assert len(secret) == 64
    assert set(secret) <= set(string.ascii_letters + string.digits)
    assert load(tmp_path / "data", environ={}).system.session_secret == secret  # read back, not regenerated
    assert load(tmp_path / "other", environ={}).system.session_secret != secret
    assert config.system.mode == "master"
    assert config.system.listen == ":5212"
    assert config.system.debug is False
    assert config.database.type == "sqlite"
    assert config.sqlite_path == tmp_path / "data" / "cloudreve.db"
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["conf.ini"]  # no temporary files left


def test_processes_starting_together_agree_on_one_secret(tmp_path: Path) -> None:
    secrets: list[str] = []
    barrier = threading.Barrier(8)

    def start() -> None:
        barrier.wait()
        secrets.append(load(tmp_path, environ={}).system.session_secret)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(secrets) == 8
    assert len(set(secrets)) == 1
    assert len(secrets[0]) == 64


def test_every_key_is_read_with_its_type(tmp_path: Path) -> None:
    config = load(tmp_path, write(tmp_path, FULL), environ={})
    s, d, r, c = config.system, config.database, config.redis, config.cors
    assert (s.mode, s.listen, s.debug, s.session_secret, s.hash_id_salt, s.proxy_header, s.log_level, s.workers) == (
        "master", "127.0.0.1:8080", True, "s3cret", "salty", "X-Real-IP", "debug", 3)
    assert config.listen_host_port == ("127.0.0.1", 8080)
    assert (d.type, d.user, d.password, d.host, d.name, d.table_prefix, d.db_file, d.port, d.charset,
            d.unix_socket) == ("postgres", "cloud", "p@ss:word/1", "db.internal", "drive", "cd_", "ignored.db",
                               6543, "utf8", True)
    assert (r.network, r.server, r.user, r.password, r.db) == ("unix", "/run/redis.sock", "default", "r3dis", 4)
    assert c.allow_origins == ["https://a.example", "https://b.example"]
    assert c.allow_methods == ["GET", "POST"]
    assert c.allow_headers == ["Authorization"]
    assert c.allow_credentials is True
    assert c.expose_headers == ["X-One", "X-Two"]
    assert (c.same_site, c.secure, c.enabled) == ("Lax", True, True)
    assert config.option_overwrite == {"siteName": "From the file", "register_enabled": "0"}


def test_defaults_for_absent_sections(tmp_path: Path) -> None:
    config = load(tmp_path, write(tmp_path, "[System]\nSessionSecret = x\n"), environ={})
    assert config.listen_host_port == ("0.0.0.0", 5212)
    assert config.system.workers == 0
    assert (config.database.type, config.database.port, config.database.charset) == ("sqlite", 0, "utf8mb4")
    assert (config.redis.server, config.redis.db) == ("", 0)
    assert config.cors.enabled is False
    assert config.option_overwrite == {}


def test_environment_overrides_win(tmp_path: Path) -> None:
    env = {
        "CR_CONF_Database.Type": "mysql",
        "CR_CONF_Database.Port": "3307",
        "CR_CONF_System.Debug": "false",
        "CR_CONF_Redis.Server": "127.0.0.1:6380",  # a key the file does not set
        "CR_CONF_OptionOverwrite.siteName": "From the environment",
        "CR_CONF_NoDot": "ignored",
        "CR_SETTING_siteName": "not boot configuration",
        "PATH": "/usr/bin",
    }
    config = load(tmp_path, write(tmp_path, FULL), environ=env)
    assert config.database.type == "mysql"
    assert config.database.port == 3307
    assert config.database.user == "cloud"  # untouched keys keep the file's value
    assert config.system.debug is False
    assert config.redis.server == "127.0.0.1:6380"
    assert config.option_overwrite["siteName"] == "From the environment"


def test_environment_overrides_apply_without_a_section_in_the_file(tmp_path: Path) -> None:
    config = load(tmp_path, write(tmp_path, "[System]\nSessionSecret = x\n"),
                  environ={"CR_CONF_Database.Type": "postgres", "CR_CONF_Database.Name": "drive"})
    assert (config.database.type, config.database.name) == ("postgres", "drive")


@pytest.mark.parametrize(("section", "key", "value"), [
    ("Database", "Port", "five"),
    ("System", "Workers", "1.5"),
    ("System", "Debug", "maybe"),
    ("CORS", "Secure", "2"),
    ("Redis", "DB", "zero"),
    ("System", "Listen", "localhost"),
    ("System", "Listen", ":99999"),
])
def test_bad_values_are_refused(tmp_path: Path, section: str, key: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"{section}.{key}"):
        load(tmp_path, write(tmp_path, f"[{section}]\n{key} = {value}\n"), environ={})
    with pytest.raises(ConfigError, match=f"{section}.{key}"):  # the same through the environment
        load(tmp_path, write(tmp_path, ""), environ={f"CR_CONF_{section}.{key}": value})


def test_an_unparsable_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot parse"):
        load(tmp_path, write(tmp_path, "Debug = true\n"), environ={})


@pytest.mark.parametrize(("given", "kind"), [
    ("sqlite", "sqlite"), ("SQLite3", "sqlite"), ("postgres", "postgres"), ("MySQL", "mysql"),
])
def test_supported_database_types(tmp_path: Path, given: str, kind: str) -> None:
    assert load(tmp_path, write(tmp_path, f"[Database]\nType = {given}\n"), environ={}).database.type == kind


@pytest.mark.parametrize("given", ["mssql", "oracle", ""])
def test_unsupported_database_types_are_refused(tmp_path: Path, given: str) -> None:
    with pytest.raises(ConfigError, match="not supported"):
        load(tmp_path, write(tmp_path, f"[Database]\nType = {given}\n"), environ={})


def test_database_urls(tmp_path: Path) -> None:
    config = load(tmp_path, write(tmp_path, FULL), environ={})
    assert database_url(config) == "postgresql+asyncpg://cloud:p%40ss%3Aword%2F1@db.internal:6543/drive"
    config = load(tmp_path, write(tmp_path, FULL), environ={
        "CR_CONF_Database.Type": "mysql", "CR_CONF_Database.Port": "0", "CR_CONF_Database.Password": "",
        "CR_CONF_Database.Host": ""})
    assert database_url(config) == "mysql+aiomysql://cloud@127.0.0.1:3306/drive?charset=utf8"
    config = load(tmp_path, write(tmp_path, "[Database]\nDBFile = /srv/drive.db\n"), environ={})
    assert config.sqlite_path == Path("/srv/drive.db")
    assert database_url(config) == "sqlite+aiosqlite:////srv/drive.db"


async def test_option_overwrite_takes_precedence_over_stored_settings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CR_SETTING_siteName", raising=False)
    monkeypatch.setenv("CR_SETTING_siteDes", "From CR_SETTING_")
    text = FULL.replace("register_enabled = 0\n", "register_enabled = 0\nsiteDes = From the file\n")
    config = load(tmp_path, write(tmp_path, text),
                  environ={"CR_CONF_Database.Type": "sqlite"})
    engine = create_engine(config)
    try:
        await migrate.upgrade(engine, config)
        settings = SiteSettings(engine, config.option_overwrite)
        await settings.load()
        assert settings.str("siteName") == "From the file"
        assert settings.bool("register_enabled") is False
        assert settings.str("siteDes") == "From CR_SETTING_"  # the environment beats the file
        assert settings.str("siteTitle") == "Cloud storage for everyone"  # not overridden: the stored value
    finally:
        await engine.dispose()
