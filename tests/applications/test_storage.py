"""Uploads: size limit, real type by content, never the user's name as a path."""

import io

import pytest

from onething.applications import storage
from onething.applications.services import store_upload
from tests.conftest import PDF

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.mark.parametrize(("content", "kind"), [(PDF, "application/pdf"), (PNG, "image/png"),
                                               (JPEG, "image/jpeg")])
def test_accepted_types_are_recognised_by_content(demo, content, kind, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    upload = store_upload(io.BytesIO(content), owner=demo.applicant, name="whatever.txt")
    assert upload.content_type == kind
    assert storage.path_for(upload.sha256).read_bytes() == content
    assert storage.path_for(upload.sha256).is_relative_to(tmp_path / "uploads")


@pytest.mark.parametrize("content", [b"MZ\x90\x00 an exe", b"<html>not a pdf</html>",
                                     b"%PD-almost"])
def test_other_content_is_rejected_whatever_the_name(demo, content, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    with pytest.raises(storage.UploadRejected) as info:
        store_upload(io.BytesIO(content), owner=demo.applicant, name="contract.pdf")
    assert info.value.code == "bad_type"
    assert not [p for p in (tmp_path / "uploads").rglob("*") if p.is_file()]  # nothing left


def test_oversized_and_empty_files_are_rejected(demo, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.ONETHING_UPLOAD_MAX_BYTES = 1024
    with pytest.raises(storage.UploadRejected) as info:
        store_upload(io.BytesIO(PDF + b"x" * 2048), owner=demo.applicant)
    assert info.value.code == "too_large"
    with pytest.raises(storage.UploadRejected) as info:
        store_upload(io.BytesIO(b""), owner=demo.applicant)
    assert info.value.code == "empty"


def test_path_like_names_are_only_shown_never_used(demo, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    upload = store_upload(io.BytesIO(PDF), owner=demo.applicant,
                          name="../../etc/passwd\x00<script>.pdf")
    assert upload.original_name == "passwd<script>.pdf".replace("<", "").replace(">", "")
    files = [p for p in (tmp_path / "uploads").rglob("*") if p.is_file()]
    assert [p.name for p in files] == [upload.sha256]
    with pytest.raises(ValueError):
        storage.path_for("../../etc/passwd")


def test_the_same_file_twice_is_one_row(demo, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    first = store_upload(io.BytesIO(PDF), owner=demo.applicant)
    again = store_upload(io.BytesIO(PDF), owner=demo.applicant)
    other = store_upload(io.BytesIO(PDF), owner=demo.applicant2)
    assert first.pk == again.pk != other.pk
