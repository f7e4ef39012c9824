"""Whose uid is whose inside a user namespace: where ours, or root's and every other user's, read as
the overflow uid, an owner or peer check cannot tell them apart (the checks in trust.py, peers.py and
publish/server_owner.py compare uids). What to say when that is so, and the fix."""

from __future__ import annotations

import os

from hookd_client.hook_send import uid_stands_for_many


def unmapped_uid_problem() -> str | None:
    """Why no owner or peer can be told apart here, or None: every check below compares uids, and in
    a user namespace that leaves ours unmapped (``unshare -U``) each unmapped user's uid, ours and
    another's alike, reads as the overflow uid (tests/test_redteam32_user_namespace.py)."""
    uid = os.getuid()
    if not uid_stands_for_many(uid):
        return None
    return (
        f"your uid is not mapped in this user namespace (it reads as {uid}, as every unmapped user's "
        f"does), so hookd cannot tell your files and processes from another user's; fix: run hookd "
        f"outside the namespace, or map your uid into it (unshare --map-current-user)"
    )


PARTIAL_NAMESPACE_FIX = (
    "run `hookd service install` again, which writes a unit without them, or run hookd outside the namespace"
)


def partial_namespace_cause(uid: int) -> str:
    """Why an owner or peer reads as ``uid`` here, when it is the overflow uid of a user namespace
    that maps ours but not root (systemd's PrivateUsers=, which a user unit's sandboxing options
    imply): root and every other user read alike there, so such an owner stays untrusted; ""
    otherwise. PARTIAL_NAMESPACE_FIX is the fix to name with it."""
    if uid == os.getuid() or not uid_stands_for_many(uid):
        return ""
    return (
        f"uid {uid} is how root and every other user read here: hookd runs in a user namespace that "
        f"maps only your uid, as systemd's PrivateUsers= makes, and in a user unit ProtectSystem=, "
        f"ProtectHome=, PrivateTmp= and the other sandboxing options imply, so hookd cannot tell root's "
        f"files and processes from another user's"
    )


def partial_namespace_note(uid: int) -> str:
    """partial_namespace_cause with its fix, or ""."""
    cause = partial_namespace_cause(uid)
    return f"{cause}; fix: {PARTIAL_NAMESPACE_FIX}" if cause else ""
