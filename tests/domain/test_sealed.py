"""Sealing with a passphrase (scrypt + AES-256-GCM, chunked): round trip, and every
way of opening sealed data wrongly fails."""

from __future__ import annotations

import io
import os
import struct

import pytest

from onething.domain import sealed

PASSPHRASE = "correct horse battery staple"


def test_round_trip_over_several_chunks():
    data = os.urandom(sealed.CHUNK * 2 + 12345)
    box = sealed.seal(data, PASSPHRASE)
    assert box.startswith(sealed.MAGIC)
    assert data not in box
    assert sealed.unseal(box, PASSPHRASE) == data


def test_streaming_reader_returns_the_bytes_in_order():
    data = b"".join(bytes([i]) * 1000 for i in range(256))
    reader = sealed.SealedReader(io.BytesIO(sealed.seal(data, PASSPHRASE)), PASSPHRASE)
    parts = []
    while part := reader.read(777):
        parts.append(part)
    assert b"".join(parts) == data


def test_empty_data_round_trips():
    assert sealed.unseal(sealed.seal(b"", PASSPHRASE), PASSPHRASE) == b""


def test_wrong_passphrase_is_told_apart():
    box = sealed.seal(b"secret", PASSPHRASE)
    with pytest.raises(sealed.WrongPassphrase, match=r"^口令错误 \(wrong passphrase\)$"):
        sealed.unseal(box, PASSPHRASE + "!")


def test_a_changed_byte_fails():
    box = bytearray(sealed.seal(b"secret" * 100, PASSPHRASE))
    box[-5] ^= 1
    with pytest.raises(sealed.SealError, match="damaged or altered"):
        sealed.unseal(bytes(box), PASSPHRASE)


def _chunks(box: bytes) -> tuple[bytes, list[bytes]]:
    """Split sealed data into its header part and its length-prefixed chunks."""
    length = struct.unpack(">I", box[len(sealed.MAGIC):len(sealed.MAGIC) + 4])[0]
    start = len(sealed.MAGIC) + 4 + length
    head, rest, chunks = box[:start], box[start:], []
    while rest:
        size = struct.unpack(">I", rest[:4])[0]
        chunks.append(rest[:4 + size])
        rest = rest[4 + size:]
    return head, chunks


def test_dropping_the_last_chunk_is_noticed():
    box = sealed.seal(os.urandom(sealed.CHUNK + 10), PASSPHRASE)
    head, chunks = _chunks(box)
    assert len(chunks) == 2
    with pytest.raises(sealed.SealError, match="cut short"):
        sealed.unseal(head + chunks[0], PASSPHRASE)


def test_reordered_chunks_fail():
    box = sealed.seal(os.urandom(sealed.CHUNK * 2 + 10), PASSPHRASE)
    head, chunks = _chunks(box)
    with pytest.raises(sealed.SealError, match="damaged or altered"):
        sealed.unseal(head + chunks[1] + chunks[0] + chunks[2], PASSPHRASE)


def test_data_after_the_end_fails():
    with pytest.raises(sealed.SealError, match="data after the end"):
        sealed.unseal(sealed.seal(b"x", PASSPHRASE) + b"more", PASSPHRASE)


def test_not_sealed_and_short_passphrases_are_refused():
    with pytest.raises(sealed.SealError, match="not a sealed file"):
        sealed.unseal(b"plain tar data", PASSPHRASE)
    with pytest.raises(sealed.SealError, match="at least 12 characters"):
        sealed.seal(b"x", "short")
