"""Files attached to a material (多页材料): one mechanism for every form that takes files.

A material may be several files (the pages of a lease, both sides of an ID card), up
to the catalogue's ``max_pages`` for it (default 10). The portal's apply form, its
correction (补正) and 容缺 forms and the window's form all go through
``receive_pages``: the pages already attached stay, the ones the person removed go,
the new files are checked (size, type by content: ``storage.store``) and added after
them. The services take a material's pages as a list of upload ids (a single id is
one page, as before).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from onething.accounts.models import User
from onething.applications.models import Upload
from onething.applications.storage import UploadRejected
from onething.domain.catalog import DEFAULT_MAX_PAGES

#: Largest id a row can have (a bigger number would overflow the database driver).
_MAX_ID = 2**63


def page_ids(value: Any) -> list[int] | None:
    """The upload ids of one material's pages: an id, or a list of ids (in order).

    ``None`` when ``value`` is neither (a string, a float, an object, a bool); repeated
    ids count once.
    """
    items = value if isinstance(value, list | tuple) else [value]
    ids: list[int] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int) or not 0 < item < _MAX_ID:
            return None
        if item not in ids:
            ids.append(item)
    return ids


def too_many_pages(name: str, limit: int) -> str:
    return f"“{name}”最多 {limit} 个文件（页） (at most {limit} files for this material)"


@dataclass
class Received:
    """What ``receive_pages`` made of one material's part of a form."""

    ids: list[int] = field(default_factory=list)
    error: str = ""


def receive_pages(
    files: Sequence[Any],
    *,
    owner: User,
    kept: Iterable[int] = (),
    removed: Collection[int] = (),
    limit: int = DEFAULT_MAX_PAGES,
    name: str = "",
) -> Received:
    """The pages of one material after a form post: ``kept`` minus ``removed``, then
    ``files`` stored for ``owner``. A refused file (type, size) or one over ``limit``
    sets ``error`` and is not added; the pages before it stay."""
    from onething.applications.services import store_upload

    result = Received(ids=[i for i in kept if i not in removed])
    for upload in files:
        if getattr(upload, "size", 1) == 0 and not getattr(upload, "name", ""):
            continue  # an empty file input sent by some browsers
        if len(result.ids) >= limit:
            result.error = too_many_pages(name, limit)
            break
        try:
            stored = store_upload(upload, owner=owner, name=getattr(upload, "name", "") or "")
        except UploadRejected as exc:
            result.error = f"“{name}”：{exc}"
            break
        if stored.pk not in result.ids:
            result.ids.append(stored.pk)
    return result


def owned_uploads(ids: Iterable[int], owners: Iterable[User]) -> dict[int, Upload]:
    """The uploads among ``ids`` that one of ``owners`` uploaded, by id."""
    valid = [i for i in ids if isinstance(i, int) and not isinstance(i, bool) and 0 < i < _MAX_ID]
    return {u.pk: u for u in Upload.objects.filter(pk__in=valid, owner__in=list(owners))}


def describe(ids: Iterable[int], owners: Iterable[User]) -> list[dict[str, Any]]:
    """The attached pages to list on a form (name, size, type), in page order; an id
    that is not an upload of ``owners`` is left out."""
    ids = list(ids)
    found = owned_uploads(ids, owners)
    return [
        {
            "id": i,
            "name": found[i].original_name or found[i].sha256[:12],
            "size": found[i].size,
            "content_type": found[i].content_type,
            "page": n,
        }
        for n, i in enumerate((i for i in ids if i in found), start=1)
    ]
