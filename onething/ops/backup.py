"""Backups that restore: the database, the uploads and the signing keys in one archive.

An archive is a tar file (optionally sealed as a whole with the operator's passphrase,
``onething.domain.sealed``) holding

* ``database.sqlite3`` (SQLite's online backup API) or ``database.pgdump``
  (``pg_dump --format=custom``);
* ``keys.sealed`` — every private signing key, always sealed with the passphrase
  (``keys.export_keys``);
* ``uploads/…`` — the uploaded files;
* ``manifest.json`` last — the SHA-256 and size of every other member, versions and
  the creation time.

Archives and the folders made for them are owner-only (0600 / 0700). ``verify_backup``
reads the whole archive, checks every checksum, that nothing is missing or extra,
that the database dump is readable (``pg_restore --list`` / SQLite ``quick_check``)
and, given the passphrase, that the keys open. ``restore_backup`` first verifies, then
restores into an empty database, an empty uploads folder and the keys directory.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import django
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from onething.applications.storage import upload_root
from onething.certificates import keys
from onething.domain import sealed

FORMAT = "onething-backup"
MANIFEST = "manifest.json"
KEYS_MEMBER = "keys.sealed"
DB_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
_COPY = 1024 * 1024


class BackupError(RuntimeError):
    """A backup that cannot be made, verified or restored; the message says why."""


# -- PostgreSQL client tools ---------------------------------------------------------------

def pg_tool(name: str) -> str:
    """``pg_dump`` / ``pg_restore``: from ``ONETHING_PG_BINDIR``, else Debian's newest
    ``/usr/lib/postgresql/<version>/bin``, else the PATH."""
    configured = os.environ.get("ONETHING_PG_BINDIR", "").strip()
    candidates = [Path(configured) / name] if configured else []
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                      key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.name)] or [0])
    candidates += [folder / name for folder in reversed(versions)]
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(f"找不到 {name} (not found): apt-get install postgresql-client, "
                      f"or set ONETHING_PG_BINDIR")


def _pg_args_env(alias: str = DEFAULT_DB_ALIAS) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for the client tools; the password goes in the environment,
    never on a command line."""
    db = settings.DATABASES[alias]
    args = ["--no-password"]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    sslmode = (db.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return args, env


def _run(command: list[str], env: dict[str, str] | None = None) -> str:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} 失败 (failed): {result.stderr.strip()[-2000:]}")
    return result.stdout


# -- the database ----------------------------------------------------------------------------

def _vendor() -> str:
    vendor = connections[DEFAULT_DB_ALIAS].vendor
    if vendor not in DB_MEMBERS:
        raise BackupError(f"不支持的数据库 (unsupported database): {vendor}")
    return vendor


def _dump_database(folder: Path) -> tuple[Path, dict[str, Any]]:
    connection = connections[DEFAULT_DB_ALIAS]
    vendor = _vendor()
    target = folder / DB_MEMBERS[vendor]
    if vendor == "sqlite":
        connection.ensure_connection()
        out = sqlite3.connect(target)
        try:
            connection.connection.backup(out)  # a consistent copy while others write
        finally:
            out.close()
        return target, {"vendor": vendor, "sqlite_version": sqlite3.sqlite_version}
    args, env = _pg_args_env()
    _run([pg_tool("pg_dump"), *args, "--format=custom", f"--file={target}",
          str(settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"])], env)
    connection.ensure_connection()
    return target, {"vendor": vendor, "server_version": connection.pg_version}


def _check_dump_readable(path: Path, vendor: str) -> None:
    if vendor == "sqlite":
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                row = db.execute("PRAGMA quick_check").fetchone()
            finally:
                db.close()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"数据库副本无法读取 (database copy unreadable): {exc}") from exc
        if row != ("ok",):
            raise BackupError(f"数据库副本已损坏 (database copy damaged): {row}")
        return
    _run([pg_tool("pg_restore"), "--list", str(path)])


def database_is_empty() -> bool:
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def _restore_database(path: Path, vendor: str) -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    if vendor != _vendor():
        raise BackupError(f"备份的数据库是 {vendor}，本节点配置的是 {_vendor()} "
                          f"(the backup holds a {vendor} database, this node uses {_vendor()})")
    if vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        connection.close()
        return
    connection.close()
    args, env = _pg_args_env()
    # --no-owner / --no-privileges: the restoring role owns everything it creates, so a
    # database on another server, with another role name, restores the same.
    _run([pg_tool("pg_restore"), *args, "--no-owner", "--no-privileges", "--exit-on-error",
          "--single-transaction", f"--dbname={settings.DATABASES[DEFAULT_DB_ALIAS]['NAME']}",
          str(path)], env)


# -- writing the archive ---------------------------------------------------------------------

class _Hashing:
    """Reads through ``raw`` while hashing what was read."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw, self.digest, self.size = raw, hashlib.sha256(), 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


def _tarinfo(name: str, size: int, mode: int = 0o600) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, mode, int(dt.datetime.now(dt.UTC).timestamp())
    return info


def _add(tar: tarfile.TarFile, members: dict[str, dict[str, Any]], name: str,
         raw: BinaryIO, size: int) -> None:
    reader = _Hashing(raw)
    tar.addfile(_tarinfo(name, size), reader)
    members[name] = {"sha256": reader.digest.hexdigest(), "size": size}


def _upload_files() -> Iterator[tuple[str, Path]]:
    root = upload_root()
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and not path.name.startswith(".incoming-"):
            yield "uploads/" + path.relative_to(root).as_posix(), path


def _output_path(given: str | Path, *, encrypt: bool) -> Path:
    target = Path(given)
    if target.is_dir() or str(given).endswith(os.sep):
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        target.mkdir(mode=0o700, parents=True, exist_ok=True)
        return target / f"onething-backup-{stamp}.tar{'.sealed' if encrypt else ''}"
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if target.exists():
        raise BackupError(f"{target} 已存在 (already exists)")
    return target


def create_backup(target: str | Path, *, passphrase: str,
                  encrypt: bool = False) -> tuple[Path, dict]:
    """Write a backup archive to ``target`` (a folder — an existing one, or a name
    ending in ``/`` — or the file to create).
    Returns (archive path, manifest)."""
    sealed.check_passphrase(passphrase)
    path = _output_path(target, encrypt=encrypt)
    members: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix=".onething-backup-", dir=path.parent) as tmp:
        dump, database = _dump_database(Path(tmp))
        key_data, key_ids, _missing = keys.export_keys(passphrase)
        partial = path.with_name(f".{path.name}.partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw:
                stream: Any = sealed.SealedWriter(raw, passphrase) if encrypt else raw
                with tarfile.open(fileobj=stream, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                    with dump.open("rb") as handle:
                        _add(tar, members, dump.name, handle, dump.stat().st_size)
                    _add(tar, members, KEYS_MEMBER, io.BytesIO(key_data), len(key_data))
                    count = total = 0
                    for name, file in _upload_files():
                        with file.open("rb") as handle:
                            size = os.fstat(handle.fileno()).st_size
                            _add(tar, members, name, handle, size)
                        count, total = count + 1, total + size
                    manifest = {
                        "format": FORMAT, "version": 1,
                        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                        "onething_version": _onething_version(),
                        "django_version": django.get_version(),
                        "python_version": platform.python_version(),
                        "database": {**database, "member": dump.name},
                        "keys": {"member": KEYS_MEMBER, "key_ids": key_ids},
                        "uploads": {"files": count, "bytes": total},
                        "encrypted": encrypt,
                        "members": members,
                    }
                    body = json.dumps(manifest, indent=1, sort_keys=True).encode("utf-8")
                    tar.addfile(_tarinfo(MANIFEST, len(body)), io.BytesIO(body))
                if encrypt:
                    stream.close()
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return path, manifest


def _onething_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("onething")
    except PackageNotFoundError:
        return "unknown"


# -- reading the archive ---------------------------------------------------------------------

@contextmanager
def _open_archive(path: Path, passphrase: str | None) -> Iterator[tarfile.TarFile]:
    with path.open("rb") as raw:
        head = raw.read(len(sealed.MAGIC))
        raw.seek(0)
        stream: Any = raw
        if sealed.is_sealed(head):
            if not passphrase:
                raise BackupError("备份已加密，需要口令 (the backup is encrypted: a passphrase "
                                  "is needed)")
            try:
                stream = sealed.SealedReader(raw, passphrase)
            except sealed.WrongPassphrase as exc:
                raise BackupError("口令错误 (wrong passphrase)") from exc
        try:
            with tarfile.open(fileobj=stream, mode="r|") as tar:
                yield tar
        except (tarfile.TarError, sealed.SealError, EOFError) as exc:
            raise BackupError(f"备份无法读取 (backup unreadable): {exc}") from exc


def _safe_name(name: str) -> bool:
    parts = name.split("/")
    return not name.startswith("/") and ".." not in parts and "" not in parts


@dataclass
class Contents:
    manifest: dict[str, Any]
    key_data: bytes = b""
    notes: list[str] = field(default_factory=list)


def _read(path: Path, passphrase: str | None, *, database_to: Path,
          uploads_to: Path | None) -> Contents:
    """One pass over the archive: hash every member, keep the database dump in
    ``database_to`` and the keys in memory, and write uploads under ``uploads_to``
    when given. Raises ``BackupError`` for anything missing, extra or altered."""
    seen: dict[str, dict[str, Any]] = {}
    manifest_body = None
    key_data = b""
    database_file = None
    with _open_archive(path, passphrase) as tar:
        for member in tar:
            name = member.name
            if not member.isfile() or not _safe_name(name) or name in seen:
                raise BackupError(f"备份含有不应有的条目 (unexpected member): {name!r}")
            source = tar.extractfile(member)
            assert source is not None
            if name == MANIFEST:
                manifest_body = source.read()
                seen[name] = {}
                continue
            digest, size = hashlib.sha256(), 0
            out: BinaryIO | None = None
            buffer = io.BytesIO()
            if name in DB_MEMBERS.values():
                database_file = database_to / name
                out = database_file.open("wb")
            elif name.startswith("uploads/") and uploads_to is not None:
                destination = uploads_to / name.removeprefix("uploads/")
                destination.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                out = os.fdopen(os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                                        0o600), "wb")
            elif name == KEYS_MEMBER:
                out = buffer
            try:
                while chunk := source.read(_COPY):
                    digest.update(chunk)
                    size += len(chunk)
                    if out is not None:
                        out.write(chunk)
            finally:
                if out is not None and out is not buffer:
                    out.close()
            if name == KEYS_MEMBER:
                key_data = buffer.getvalue()
            seen[name] = {"sha256": digest.hexdigest(), "size": size}
    if manifest_body is None:
        raise BackupError("备份缺少 manifest.json，不完整 (manifest missing: incomplete backup)")
    try:
        manifest = json.loads(manifest_body)
    except ValueError as exc:
        raise BackupError("manifest.json 已损坏 (manifest damaged)") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError("不是 onething 备份 (not an onething backup)")
    expected = manifest.get("members", {})
    del seen[MANIFEST]
    missing = sorted(set(expected) - set(seen))
    extra = sorted(set(seen) - set(expected))
    altered = sorted(n for n in set(expected) & set(seen) if expected[n] != seen[n])
    if missing or extra or altered:
        raise BackupError("备份与清单不符 (backup does not match its manifest): "
                          f"missing {missing}, extra {extra}, altered {altered}")
    db_member = manifest.get("database", {}).get("member")
    if db_member not in seen or KEYS_MEMBER not in seen or database_file is None:
        raise BackupError("备份缺少数据库或密钥 (database or keys missing)")
    _check_dump_readable(database_file, manifest["database"]["vendor"])
    contents = Contents(manifest=manifest, key_data=key_data)
    if passphrase:
        try:
            document = json.loads(sealed.unseal(key_data, passphrase))
        except sealed.WrongPassphrase as exc:
            raise BackupError("密钥口令错误 (wrong passphrase for the keys)") from exc
        except (sealed.SealError, ValueError) as exc:
            raise BackupError(f"密钥文件无法打开 (keys unreadable): {exc}") from exc
        found = sorted(entry["key_id"] for entry in document.get("keys", []))
        if found != sorted(manifest["keys"]["key_ids"]):
            raise BackupError(f"密钥与清单不符 (keys do not match the manifest): {found}")
    else:
        contents.notes.append("未检查密钥：没有口令 (keys not opened: no passphrase given)")
    return contents


def verify_backup(path: Path, passphrase: str | None) -> Contents:
    with tempfile.TemporaryDirectory(prefix=".onething-verify-") as tmp:
        return _read(path, passphrase, database_to=Path(tmp), uploads_to=None)


def restore_backup(path: Path, passphrase: str) -> Contents:
    """Restore into an empty database, an empty uploads folder and the keys directory.
    The archive is verified completely before anything is written."""
    if not database_is_empty():
        raise BackupError("数据库不是空的：恢复只写入新建的空数据库 (the database is not empty: "
                          "restore into a new, empty database)")
    uploads = upload_root()
    if uploads.exists() and any(uploads.iterdir()):
        raise BackupError(f"上传目录不是空的 (the uploads folder is not empty): {uploads}")
    checked = verify_backup(path, passphrase)
    try:  # a different key file of the same name would stop the restore half-way
        keys.import_keys(checked.key_data, passphrase, write=False, check_database=False)
    except keys.KeyImportError as exc:
        raise BackupError(str(exc)) from exc
    Path(settings.DATA_DIR).mkdir(mode=0o700, parents=True, exist_ok=True)
    uploads.mkdir(mode=0o700, parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".onething-restore-",
                                     dir=settings.DATA_DIR) as tmp:
        contents = _read(path, passphrase, database_to=Path(tmp), uploads_to=uploads)
        database = contents.manifest["database"]
        _restore_database(Path(tmp) / database["member"], database["vendor"])
    try:
        written = keys.import_keys(contents.key_data, passphrase)
    except keys.KeyImportError as exc:
        raise BackupError(str(exc)) from exc
    contents.notes.extend(f"签名密钥 {key_id}: {outcome}" for key_id, outcome in written)
    return contents
