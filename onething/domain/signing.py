"""Signing the certified data of an electronic certificate (电子证照): Ed25519.

Pure functions, no Django. What is signed is the *canonical JSON* of the
certified data — keys sorted, UTF-8, no spaces — so the same facts always give
the same bytes, whatever order a database hands them back in, and any change
to any value (or an added or removed key) breaks the signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "ed25519"


class SigningError(ValueError):
    """A key that cannot be read or is not an Ed25519 key."""


def canonical_json(data: Mapping[str, Any]) -> bytes:
    """The bytes that are signed: sorted keys, UTF-8, no whitespace, no NaN."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


def generate_private_key() -> bytes:
    """A new Ed25519 private key as unencrypted PKCS#8 PEM (to be kept in a 0600 file)."""
    key = Ed25519PrivateKey.generate()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def public_key_pem(private_pem: bytes) -> str:
    """The public half of ``private_pem``, as SubjectPublicKeyInfo PEM text."""
    public = _private(private_pem).public_key()
    return public.public_bytes(serialization.Encoding.PEM,
                               serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def key_id(public_pem: str) -> str:
    """A short, stable name for a public key: the first 16 hex digits of the SHA-256 of
    its raw 32 bytes. Derived from the key, so a key id can never point at another key."""
    raw = _public(public_pem).public_bytes(serialization.Encoding.Raw,
                                           serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign(data: Mapping[str, Any], private_pem: bytes) -> str:
    """The base64 Ed25519 signature of ``canonical_json(data)``."""
    return base64.b64encode(_private(private_pem).sign(canonical_json(data))).decode("ascii")


def verify(data: Mapping[str, Any], signature: str, public_pem: str) -> bool:
    """True only if ``signature`` is the signature of exactly ``data`` under ``public_pem``."""
    try:
        raw = base64.b64decode(signature.encode("ascii"), validate=True)
        _public(public_pem).verify(raw, canonical_json(data))
    except (InvalidSignature, binascii.Error, ValueError, TypeError, UnicodeError):
        return False
    return True


def _private(private_pem: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(private_pem, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningError("私钥无法读取 (unreadable private key)") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError("私钥不是 Ed25519 (not an Ed25519 private key)")
    return key


def _public(public_pem: str) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(public_pem.encode("ascii"))
    except (ValueError, TypeError, UnicodeError) as exc:
        raise SigningError("公钥无法读取 (unreadable public key)") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SigningError("公钥不是 Ed25519 (not an Ed25519 public key)")
    return key
