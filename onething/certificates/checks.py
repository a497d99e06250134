"""``onething check --deploy``: this node must hold the active signing key's private half.

Registered with the deploy checks (``certificates.E001`` missing, ``E002`` not matching
the database's public key, ``E003`` unreadable, ``W001`` no key yet, ``W002`` a private
key file or the keys directory open to other users). A database
that cannot be read, or is not migrated yet, is left to ``migrate`` and ``/readyz``.
"""

from __future__ import annotations

import stat
from typing import Any

from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError

HINT = ("每个节点须持有同一套签名密钥 (every node needs the deployment's keys): "
        "onething keys export --out keys.sealed（在持有密钥的节点）; "
        "onething keys import keys.sealed（在本节点） — docs/operations.md")

_IDS = {"missing": "certificates.E001", "mismatch": "certificates.E002",
        "unreadable": "certificates.E003"}


@register(Tags.security, deploy=True)
def signing_key_check(app_configs: Any = None, **kwargs: Any) -> list:
    from onething.certificates.keys import active_key_state

    try:
        state = active_key_state()
    except DatabaseError:
        return []
    if state is None:
        return [Warning("数据库中没有签名密钥 (no signing key in the database)",
                        hint="onething setup（或 onething keys init）在一个节点上运行 "
                             "(run on one node), then provision the key on the others",
                        id="certificates.W001")]
    if not state.ok:
        return [Error(state.problem(), hint=HINT, id=_IDS[state.state])]
    messages = []
    for path in (state.path.parent, state.path):
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            messages.append(Warning(
                f"{path} 的权限为 {mode:o}，其他用户可以访问签名私钥 (other users can reach the "
                f"signing keys)", hint=f"chmod {'700' if path.is_dir() else '600'} {path}",
                id="certificates.W002"))
    return messages
