"""The deployment's signing keys: public halves in ``SigningKey`` rows, private halves
in files ``$ONETHING_DATA_DIR/keys/<key_id>.pem`` (mode 0600, directory 0700).

``init_keys`` makes the first key (idempotent); ``rotate_key`` makes a new
active key and retires the old one, which stays to verify what it signed.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from onething.certificates.models import SigningKey
from onething.domain import signing


class KeyMissing(RuntimeError):
    """The active key's private file is not there: nothing can be signed."""


def keys_dir() -> Path:
    return Path(settings.DATA_DIR) / "keys"


def private_key_path(key_id: str) -> Path:
    return keys_dir() / f"{key_id}.pem"


def _write_private(private_pem: bytes, key_id: str) -> None:
    folder = keys_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = private_key_path(key_id)
    # O_EXCL: never overwrite a key; 0o600 from the start, not chmod after writing.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(private_pem)


def _new_key(*, active: bool) -> SigningKey:
    private_pem = signing.generate_private_key()
    public_pem = signing.public_key_pem(private_pem)
    key_id = signing.key_id(public_pem)
    _write_private(private_pem, key_id)
    return SigningKey.objects.create(key_id=key_id, algorithm=signing.ALGORITHM,
                                     public_key_pem=public_pem, active=active)


def init_keys() -> tuple[SigningKey, bool]:
    """The active key, created if there is none. Returns (key, created)."""
    existing = SigningKey.objects.filter(active=True).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return _new_key(active=True), True
    except IntegrityError:  # another process made the first key at the same moment
        return SigningKey.objects.get(active=True), False


def rotate_key() -> SigningKey:
    """A new active key; the previous one is retired but kept for verification."""
    with transaction.atomic():
        now = timezone.now()
        for old in SigningKey.objects.select_for_update().filter(active=True):
            old.active = False
            old.retired_at = now
            old.save(update_fields=["active", "retired_at"])
        return _new_key(active=True)


def active_key() -> SigningKey:
    """The key that signs new certificates (made on first use if ``keys init`` never ran)."""
    key, _ = init_keys()
    return key


def private_key(key: SigningKey) -> bytes:
    try:
        return private_key_path(key.key_id).read_bytes()
    except FileNotFoundError as exc:
        raise KeyMissing(f"签名私钥文件缺失 (private key file missing): "
                         f"{private_key_path(key.key_id)}") from exc
