"""Uploaded files: checked by content, stored under their SHA-256.

Files live in ``$ONETHING_DATA_DIR/uploads/ab/abcdef…`` — outside the web
root, named by content hash, never by the name the user gave. They are
served only through a view that checks who may see the case.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

# Leading bytes of the file types we accept (by content, not by name).
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
CHUNK = 1024 * 1024


class UploadRejected(ValueError):
    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


def upload_root() -> Path:
    return Path(settings.DATA_DIR) / "uploads"


def path_for(sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256 hex digest")
    return upload_root() / sha256[:2] / sha256


def sniff(head: bytes) -> str | None:
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def display_name(name: str | None) -> str:
    """A file name for display only: no directories, no control characters."""
    base = (name or "").replace("\\", "/").split("/")[-1]
    cleaned = "".join(c for c in base if c.isprintable() and c not in '<>:"|?*')
    return cleaned.strip(". ")[:200]


def store(stream: BinaryIO, *, max_bytes: int | None = None) -> tuple[str, int, str]:
    """Check and store a file; return (sha256, size, content type)."""
    limit = max_bytes if max_bytes is not None else settings.ONETHING_UPLOAD_MAX_BYTES
    root = upload_root()
    root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    head = b""
    fd, tmp_name = tempfile.mkstemp(dir=root, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                if len(head) < 16:
                    head += chunk[: 16 - len(head)]
                size += len(chunk)
                if size > limit:
                    raise UploadRejected(
                        "too_large",
                        f"文件超过大小上限 {limit // (1024 * 1024)} MB "
                        f"(file larger than {limit // (1024 * 1024)} MB)")
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise UploadRejected("empty", "文件为空 (empty file)")
        content_type = sniff(head)
        if content_type is None:
            raise UploadRejected("bad_type", "只接受 PDF、JPEG、PNG 文件（按文件内容判断） "
                                 "(only PDF, JPEG or PNG files, judged by content)")
        sha256 = digest.hexdigest()
        final = path_for(sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            os.unlink(tmp_name)
        else:
            os.replace(tmp_name, final)
        return sha256, size, content_type
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
