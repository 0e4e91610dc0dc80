"""The marker key: results folders' markers are signed, so a marker proves who wrote it.

A marker (:data:`bayes_peer.runs.ownership.MARKER`) lists the files bayes-peer wrote in a folder
with their hashes, and ``--force`` replaces only such a folder. Anyone can write that list by
hand, so the list alone proves nothing: a hand-written marker naming a user's ``thesis.tex``
with its true hash would let bayes-peer delete it. Each marker therefore carries an HMAC-SHA256
(RFC 2104) of its canonical JSON under a secret key of the user, kept outside every results
folder: ``marker-key`` in bayes-peer's per-user folder (the compile cache's root,
:func:`bayes_peer.mcmc.cache.cache_root`; ``BAYES_PEER_CACHE_DIR`` moves both). The key is
32 random bytes, created on the first write with mode 0600 and never printed; ``bayes-peer
cache clear`` keeps it. A marker that does not verify (forged, copied from another account or
machine, written before markers were signed, or signed with a key since deleted) makes its
folder foreign; ``bayes-peer adopt FOLDER`` signs such a folder on purpose.

References
----------
Krawczyk, H., Bellare, M. & Canetti, R. (1997). HMAC: Keyed-hashing for message
authentication. RFC 2104.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
import tempfile
from pathlib import Path

from bayes_peer.errors import InputError

#: File name of the key in bayes-peer's per-user folder.
KEY_NAME = "marker-key"
#: The marker's field holding the signature (``"hmac-sha256:<hex>"``).
FIELD = "signature"
_SCHEME = "hmac-sha256:"


def key_path() -> Path:
    """Where the marker key lives (``<cache root>/marker-key``)."""
    from bayes_peer.mcmc.cache import cache_root

    return cache_root() / KEY_NAME


def _read_key(path: Path) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(f"{path}: the marker key cannot be read ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{path}: the marker key is not a regular file")
        if os.name == "posix" and info.st_mode & 0o077:
            raise InputError(
                f"{path}: the marker key is readable by other users (mode "
                f"{stat.S_IMODE(info.st_mode):04o}); run `chmod 600 {path}`"
            )
        text = os.read(fd, 256).decode("ascii", "replace").strip()
    finally:
        os.close(fd)
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 32:
        raise InputError(f"{path}: not a bayes-peer marker key (remove it to start a new one)")
    return key


def _create_key(path: Path) -> bytes:
    """A new key, written to a temporary file (mode 0600) and linked into place, so that no
    process ever sees a half-written key; when another process linked one first, theirs."""
    from bayes_peer.mcmc.cache import mark_root

    key = secrets.token_bytes(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mark_root()
        fd, temporary = tempfile.mkstemp(prefix=f".{KEY_NAME}.", dir=path.parent)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, (key.hex() + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(temporary, path)
        except FileExistsError:
            key = b""
        finally:
            os.unlink(temporary)
    except OSError as exc:
        raise InputError(f"{path}: cannot create the marker key ({exc.strerror})") from None
    if key:
        return key
    found = _read_key(path)
    if found is None:
        raise InputError(f"{path}: the marker key vanished while it was created")
    return found


def check_key() -> None:
    """Refuse now (InputError) what would make signing fail at the end: a key that cannot be
    read, or a cache folder where none can be created. A results folder calls this before any
    work; nothing is created here (a refused command leaves no cache folder)."""
    path = key_path()
    if _read_key(path) is not None:
        return
    existing = path.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(
            f"{path}: the marker key cannot be created ({existing} is not a writable folder); "
            "set BAYES_PEER_CACHE_DIR to a folder of your own"
        )


def _canonical(doc: dict) -> bytes:
    body = {k: v for k, v in doc.items() if k != FIELD}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def sign(doc: dict) -> dict:
    """``doc`` with its signature (the key is created on first use)."""
    path = key_path()
    key = _read_key(path) or _create_key(path)
    digest = hmac.new(key, _canonical(doc), hashlib.sha256).hexdigest()
    return {**{k: v for k, v in doc.items() if k != FIELD}, FIELD: _SCHEME + digest}


def verify(doc: dict) -> bool:
    """True when ``doc`` carries a signature made with this user's key."""
    signature = doc.get(FIELD)
    if not isinstance(signature, str) or not signature.startswith(_SCHEME):
        return False
    key = _read_key(key_path())
    if key is None:
        return False
    digest = hmac.new(key, _canonical(doc), hashlib.sha256).hexdigest()
    return hmac.compare_digest(digest, signature.removeprefix(_SCHEME))
