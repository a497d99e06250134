"""Sealing with an operator passphrase: scrypt to derive the key, AES-256-GCM to encrypt.

Pure, no Django. Used for exported signing keys (always sealed) and for encrypted
backups. The format streams, so a backup of any size never has to fit in memory:

    b"OTSEAL1\\n"  4-byte length  header (JSON: scrypt parameters, salt, nonce prefix,
                                  passphrase check)
    then chunks:   4-byte length  AES-GCM ciphertext of up to 1 MiB

Each chunk's nonce is the random 7-byte prefix, a 4-byte chunk counter and a byte
that is 1 only on the last chunk; the header is the associated data of every chunk.
So chunks cannot be reordered, dropped, cut off at the end or moved between files
without the decryption failing. The header's check value (derived from the
passphrase with the same scrypt run, not from the data) tells a wrong passphrase
apart from a damaged file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"OTSEAL1\n"
CHUNK = 1024 * 1024
MIN_PASSPHRASE = 12
# scrypt cost: 32 MiB of memory and about a tenth of a second per derivation.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
_LENGTH = struct.Struct(">I")


class SealError(ValueError):
    """The sealed data cannot be opened: not sealed, damaged or cut short."""


class WrongPassphrase(SealError):
    """The passphrase is not the one the data was sealed with."""


def is_sealed(head: bytes) -> bool:
    return head.startswith(MAGIC)


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise SealError(f"口令至少 {MIN_PASSPHRASE} 个字符 "
                        f"(the passphrase needs at least {MIN_PASSPHRASE} characters)")


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> tuple[bytes, bytes]:
    material = Scrypt(salt=salt, length=64, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))
    return material[:32], hashlib.sha256(material[32:]).digest()[:16]


def _nonce(prefix: bytes, counter: int, final: bool) -> bytes:
    return prefix + struct.pack(">I", counter) + (b"\x01" if final else b"\x00")


class SealedWriter:
    """A write-only file object: what is written is sealed into ``raw``. ``close()``
    writes the final chunk (it does not close ``raw``)."""

    def __init__(self, raw: BinaryIO, passphrase: str) -> None:
        check_passphrase(passphrase)
        salt, self._prefix = os.urandom(16), os.urandom(7)
        key, check = _derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
        self._aead = AESGCM(key)
        self._header = json.dumps({
            "kdf": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
            "salt": base64.b64encode(salt).decode(), "cipher": "aes-256-gcm",
            "nonce_prefix": base64.b64encode(self._prefix).decode(),
            "check": base64.b64encode(check).decode(),
        }, sort_keys=True).encode()
        self._raw = raw
        self._buffer = bytearray()
        self._counter = 0
        self._closed = False
        raw.write(MAGIC + _LENGTH.pack(len(self._header)) + self._header)

    def write(self, data: bytes) -> int:
        if self._closed:
            raise ValueError("write to a closed SealedWriter")
        self._buffer += data
        while len(self._buffer) > CHUNK:  # keep at least one byte back for the final chunk
            self._emit(bytes(self._buffer[:CHUNK]), final=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _emit(self, plain: bytes, *, final: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._counter, final), plain,
                                    self._header)
        self._raw.write(_LENGTH.pack(len(sealed)) + sealed)
        self._counter += 1

    def close(self) -> None:
        if not self._closed:
            self._emit(bytes(self._buffer), final=True)
            self._buffer.clear()
            self._closed = True

    def flush(self) -> None:
        self._raw.flush()


class SealedReader:
    """A read-only file object over sealed data in ``raw``. Raises ``WrongPassphrase``
    at once for a wrong passphrase and ``SealError`` when the data is damaged or cut short."""

    def __init__(self, raw: BinaryIO, passphrase: str) -> None:
        self._raw = raw
        if raw.read(len(MAGIC)) != MAGIC:
            raise SealError("不是加密文件 (not a sealed file)")
        self._header = self._read_block(limit=4096)
        try:
            header = json.loads(self._header)
            salt = base64.b64decode(header["salt"])
            self._prefix = base64.b64decode(header["nonce_prefix"])
            check = base64.b64decode(header["check"])
            n, r, p = int(header["n"]), int(header["r"]), int(header["p"])
        except (ValueError, KeyError, TypeError) as exc:
            raise SealError("加密文件头已损坏 (damaged header)") from exc
        if n > 2**20 or r > 16 or p > 4 or len(self._prefix) != 7:
            raise SealError("加密文件头参数无效 (header parameters out of range)")
        key, expected = _derive(passphrase, salt, n, r, p)
        if not hmac.compare_digest(check, expected):
            raise WrongPassphrase("口令错误 (wrong passphrase)")
        self._aead = AESGCM(key)
        self._counter = 0
        self._plain = b""
        self._done = False

    def _read_block(self, limit: int) -> bytes:
        head = self._raw.read(_LENGTH.size)
        if len(head) != _LENGTH.size:
            raise SealError("加密文件不完整 (sealed data cut short)")
        (length,) = _LENGTH.unpack(head)
        if length > limit:
            raise SealError("加密文件已损坏 (damaged sealed data)")
        block = self._raw.read(length)
        if len(block) != length:
            raise SealError("加密文件不完整 (sealed data cut short)")
        return block

    def _next_chunk(self) -> None:
        sealed = self._read_block(limit=CHUNK + 16)
        for final in (False, True):
            try:
                plain = self._aead.decrypt(_nonce(self._prefix, self._counter, final), sealed,
                                           self._header)
            except InvalidTag:
                continue
            self._counter += 1
            self._plain += plain
            if final:
                self._done = True
                if self._raw.read(1):
                    raise SealError("加密文件末尾有多余数据 (data after the end)")
            return
        raise SealError("加密文件已损坏或被篡改 (sealed data damaged or altered)")

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._plain) < size):
            self._next_chunk()
        if size < 0:
            out, self._plain = self._plain, b""
        else:
            out, self._plain = self._plain[:size], self._plain[size:]
        return out


def seal(data: bytes, passphrase: str) -> bytes:
    import io

    out = io.BytesIO()
    writer = SealedWriter(out, passphrase)
    writer.write(data)
    writer.close()
    return out.getvalue()


def unseal(data: bytes, passphrase: str) -> bytes:
    import io

    return SealedReader(io.BytesIO(data), passphrase).read()
