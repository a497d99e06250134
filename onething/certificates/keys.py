"""The deployment's signing keys: public halves in ``SigningKey`` rows, private halves
in files ``<keys dir>/<key_id>.pem`` (mode 0600, directory 0700).

The keys directory is ``ONETHING_KEYS_DIR`` (default ``$ONETHING_DATA_DIR/keys``). It
is a deployment secret: every node of a deployment holds the same keys, provisioned
by the operator (a read-only mount of one directory, or ``onething keys import`` of a
file made with ``onething keys export``). A node never makes a key of its own while
the database already names an active key: ``init_keys`` then raises ``KeyMissing``
with the way forward, and ``/readyz`` and ``check --deploy`` report the node.

``init_keys`` makes the first key (idempotent); ``rotate_key`` makes a new
active key and retires the old one, which stays to verify what it signed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from onething.certificates.models import SigningKey
from onething.domain import sealed, signing

EXPORT_FORMAT = "onething-signing-keys"


class KeyMissing(RuntimeError):
    """The active key's private file is not on this node: nothing can be signed."""


# What a reviewer or API client sees when signing fails on this node (503: another node,
# or this one once the operator provisions the key, can do it). The log has the details.
SIGNING_UNAVAILABLE = ("本节点暂时无法签发电子证照（缺少签名密钥），请稍后重试或联系运维人员 "
                       "(this server cannot sign certificates now: its signing key is missing; "
                       "try again later or tell the operators)")


class KeyMismatch(KeyMissing):
    """This node's private file is not the private half of the key the database names."""


class KeyImportError(ValueError):
    """An export file that cannot be imported; nothing was written."""


def keys_dir() -> Path:
    configured = getattr(settings, "ONETHING_KEYS_DIR", "")
    return Path(configured) if configured else Path(settings.DATA_DIR) / "keys"


def private_key_path(key_id: str) -> Path:
    return keys_dir() / f"{key_id}.pem"


IMPORT_HINT = ("从持有该密钥的节点导出后在本节点导入 (export it where it exists and import it "
               "here): onething keys export --out keys.sealed; onething keys import keys.sealed")


@dataclass(frozen=True)
class KeyState:
    """Where a key's private half is expected on this node and what is there."""

    key: SigningKey
    path: Path
    state: str  # "ok", "missing", "mismatch" or "unreadable"

    @property
    def ok(self) -> bool:
        return self.state == "ok"

    def problem(self) -> str:
        """Bilingual, for operators (command output, check --deploy)."""
        return {
            "ok": f"签名密钥 {self.key.key_id} 的私钥在本节点 (private key present): {self.path}",
            "missing": f"签名密钥 {self.key.key_id} 的私钥不在本节点 (private key missing on "
                       f"this node): {self.path}",
            "mismatch": f"本节点的 {self.path} 与数据库中签名密钥 {self.key.key_id} 的公钥不符 "
                        f"(private key does not match the database's public key)",
            "unreadable": f"签名密钥 {self.key.key_id} 的私钥文件无法读取 (private key file "
                          f"unreadable): {self.path}",
        }[self.state]

    def reason(self) -> str:
        """English, short, for /readyz."""
        return {
            "ok": "",
            "missing": f"signing key {self.key.key_id}: private key missing on this node",
            "mismatch": f"signing key {self.key.key_id}: private key on this node does not "
                        f"match the database's public key",
            "unreadable": f"signing key {self.key.key_id}: private key file unreadable",
        }[self.state]


def key_state(key: SigningKey) -> KeyState:
    path = private_key_path(key.key_id)
    try:
        private_pem = path.read_bytes()
    except FileNotFoundError:
        return KeyState(key, path, "missing")
    except OSError:
        return KeyState(key, path, "unreadable")
    try:
        matches = signing.public_key_pem(private_pem).strip() == key.public_key_pem.strip()
    except signing.SigningError:
        return KeyState(key, path, "unreadable")
    return KeyState(key, path, "ok" if matches else "mismatch")


def active_key_state() -> KeyState | None:
    """The active key's state on this node, or None while the database has no key."""
    key = SigningKey.objects.filter(active=True).first()
    return key_state(key) if key is not None else None


def _write_private(private_pem: bytes, key_id: str) -> Path:
    folder = keys_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = private_key_path(key_id)
    # O_EXCL: never overwrite a key; 0o600 from the start, not chmod after writing.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(private_pem)
    return path


def _new_key(*, active: bool) -> SigningKey:
    private_pem = signing.generate_private_key()
    public_pem = signing.public_key_pem(private_pem)
    key_id = signing.key_id(public_pem)
    _write_private(private_pem, key_id)
    return SigningKey.objects.create(key_id=key_id, algorithm=signing.ALGORITHM,
                                     public_key_pem=public_pem, active=active)


def _require_usable(state: KeyState) -> None:
    if state.state == "mismatch":
        raise KeyMismatch(f"{state.problem()}。{IMPORT_HINT}")
    if not state.ok:
        raise KeyMissing(f"{state.problem()}。{IMPORT_HINT}")


def init_keys() -> tuple[SigningKey, bool]:
    """The active key, created if the database has none. Returns (key, created).

    Raises ``KeyMissing`` (or ``KeyMismatch``) when the database names an active key
    whose private half this node does not hold: a second node must import the
    deployment's key, never make one of its own.
    """
    existing = SigningKey.objects.filter(active=True).first()
    if existing is None:
        try:
            with transaction.atomic():
                return _new_key(active=True), True
        except IntegrityError:  # another process made the first key at the same moment
            existing = SigningKey.objects.get(active=True)
    _require_usable(key_state(existing))
    return existing, False


def rotate_key() -> SigningKey:
    """A new active key; the previous one is retired but kept for verification."""
    with transaction.atomic():
        now = timezone.now()
        for old in SigningKey.objects.select_for_update().filter(active=True):
            old.active = False
            old.retired_at = now
            old.save(update_fields=["active", "retired_at"])
        return _new_key(active=True)


def prepare_key() -> SigningKey:
    """A new key that does not sign yet (not active, not retired). For deployments
    whose nodes hold copies of the keys: provision it on every node (export, import),
    then ``activate_key`` — no node is ever without the active key."""
    with transaction.atomic():
        return _new_key(active=False)


def activate_key(key_id: str) -> SigningKey:
    """Make a prepared key the active one; the previous active key is retired. Refused
    unless this node holds the key's private half."""
    with transaction.atomic():
        key = SigningKey.objects.select_for_update().filter(key_id=key_id).first()
        if key is None:
            raise KeyMissing(f"数据库中没有签名密钥 {key_id} (no such signing key)")
        if key.active:
            return key
        if key.retired_at is not None:
            raise KeyMissing(f"签名密钥 {key_id} 已停用，不能再启用 (a retired key is not "
                             f"activated again): onething keys prepare")
        _require_usable(key_state(key))
        now = timezone.now()
        for old in SigningKey.objects.select_for_update().filter(active=True):
            old.active = False
            old.retired_at = now
            old.save(update_fields=["active", "retired_at"])
        key.active = True
        key.save(update_fields=["active"])
        return key


def active_key() -> SigningKey:
    """The key that signs new certificates (made on first use if ``keys init`` never ran)."""
    key, _ = init_keys()
    return key


def private_key(key: SigningKey) -> bytes:
    """The private half of ``key``; refuses a file that is not that key's private half,
    so nothing is ever signed with a key whose signatures the database cannot verify."""
    state = key_state(key)
    _require_usable(state)
    return state.path.read_bytes()


# -- export and import (provisioning nodes, backups) -----------------------------------------

def export_keys(passphrase: str) -> tuple[bytes, list[str], list[str]]:
    """Every private key this node holds for a key the database knows, sealed with
    ``passphrase``. Returns (sealed bytes, exported key ids, key ids missing here)."""
    exported: list[dict[str, str]] = []
    missing: list[str] = []
    for key in SigningKey.objects.order_by("created_at", "id"):
        state = key_state(key)
        if state.ok:
            exported.append({"key_id": key.key_id, "algorithm": key.algorithm,
                             "active": key.active,
                             "private_key_pem": state.path.read_text("ascii")})
        elif key.active:
            _require_usable(state)
        else:
            missing.append(key.key_id)
    document = {"format": EXPORT_FORMAT, "version": 1,
                "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "keys": exported}
    data = sealed.seal(json.dumps(document, sort_keys=True).encode("utf-8"), passphrase)
    return data, [entry["key_id"] for entry in exported], missing


def import_keys(data: bytes, passphrase: str, *, write: bool = True,
                check_database: bool = True) -> list[tuple[str, str]]:
    """Write the keys of an export file into the keys directory (0600 files).

    Everything is checked before anything is written: the passphrase, that each
    private key is the key its id names, that it matches the public key the database
    holds under that id (when the database has it), and that no different file of
    the same name exists. Returns (key id, "written" or "unchanged") pairs.
    ``write=False`` only checks; ``check_database=False`` skips the comparison with
    the database (a restore checks the keys before the database is there).
    """
    try:
        document = json.loads(sealed.unseal(data, passphrase))
    except sealed.WrongPassphrase as exc:
        raise KeyImportError("口令错误，未写入任何密钥 "
                             "(wrong passphrase; nothing written)") from exc
    except sealed.SealError as exc:
        raise KeyImportError(f"{exc}，未写入任何密钥 (nothing written)") from exc
    except ValueError as exc:
        raise KeyImportError("不是签名密钥导出文件 (not a key export file)") from exc
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise KeyImportError("不是签名密钥导出文件 (not a key export file)")
    planned: list[tuple[str, bytes, str]] = []
    for entry in document.get("keys", []):
        stated = str(entry.get("key_id", ""))
        private_pem = str(entry.get("private_key_pem", "")).encode("ascii")
        try:
            public_pem = signing.public_key_pem(private_pem)
        except signing.SigningError as exc:
            raise KeyImportError(f"密钥 {stated} 无法读取，未写入任何密钥 (unreadable key; "
                                 f"nothing written)") from exc
        if signing.key_id(public_pem) != stated:
            raise KeyImportError(f"密钥 {stated} 与其标识不符，未写入任何密钥 (the key is not "
                                 f"the one its id names; nothing written)")
        known = (SigningKey.objects.filter(key_id=stated).first() if check_database
                 else None)
        if known is not None and known.public_key_pem.strip() != public_pem.strip():
            raise KeyImportError(f"密钥 {stated} 与数据库中的公钥不符，未写入任何密钥 (does not "
                                 f"match the database's public key; nothing written)")
        path = private_key_path(stated)
        if path.exists():
            if path.read_bytes() != private_pem:
                raise KeyImportError(f"{path} 已存在且内容不同，未写入任何密钥 (a different "
                                     f"file exists; nothing written)")
            planned.append((stated, private_pem, "unchanged"))
        else:
            planned.append((stated, private_pem, "written"))
    for key_id, private_pem, outcome in planned:
        if write and outcome == "written":
            _write_private(private_pem, key_id)
    return [(key_id, outcome) for key_id, _, outcome in planned]


def read_passphrase(passphrase_file: str | None) -> str:
    """The operator's passphrase: from ``passphrase_file`` (one line) or the
    ``ONETHING_KEYS_PASSPHRASE`` environment variable; never from the command line."""
    if passphrase_file:
        text = Path(passphrase_file).read_text("utf-8")
        return text[:-1] if text.endswith("\n") else text
    value = os.environ.get("ONETHING_KEYS_PASSPHRASE", "")
    if not value:
        raise KeyImportError("需要口令：--passphrase-file 或环境变量 ONETHING_KEYS_PASSPHRASE "
                             "(a passphrase is needed: --passphrase-file or "
                             "ONETHING_KEYS_PASSPHRASE)")
    return value
