"""What makes a folder bayes-peer's: its marker, the manifest of the files it wrote, and the
staging folders and locks of runs in progress.

A results folder holds :data:`MARKER`, a JSON file listing every file bayes-peer wrote there with
its size and SHA-256 hash, signed with the user's marker key (:mod:`bayes_peer.runs.signing`): a
marker written by hand, copied from another account or written before markers were signed does
not verify, and its folder is foreign. :func:`foreign_entry` says why a folder is *not*
bayes-peer's to replace (no valid marker, a file the user added or changed, a symbolic link),
and returns None when it is. Staging folders carry :data:`STAGING_MARKER` with the pid and
start time of the process writing them, so a later run can tell a killed run's leftovers from a
live one's.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from bayes_peer import __version__
from bayes_peer.errors import InputError
from bayes_peer.runs import signing

MARKER = ".bayes-peer.json"
#: The marker of a staging folder (pid and start time of the process that writes it).
STAGING_MARKER = ".bayes-peer-staging.json"
FORMAT = "bayes-peer-results"
#: 2 since markers are signed (format 1 had no signature and is treated as foreign).
FORMAT_VERSION = 2
#: The format key of a lock file (``.<name>.lock`` beside a folder being written).
LOCK_FORMAT = FORMAT + "-lock"

#: Kinds of results folder; a folder is replaced only by a writer of the same kind.
KINDS = {
    "run": "a run of analysis specs (bayes-peer run / demo)",
    "demo-exact": "the exact + frequentist demo tables (bayes-peer demo --exact)",
    "sensitivity": "a sensitivity analysis (bayes-peer sensitivity)",
    "result": "the posteriors of one command (correlate --model / regress --prior with --out)",
    "exact-sensitivity": "exact-layer sensitivity figures (--robustness/--sequential/--influence)",
    "calibration": "a calibration study (bayes-peer calibrate)",
}


#: The record every kind of results folder holds (one of these; adopt refuses a folder
#: without any).
RECORDS = ("run.json", "result.json", "sensitivity.json", "calibration.json")


def staging_prefix(name: str) -> str:
    return f".{name}.partial-"


def lock_name(name: str) -> str:
    return f".{name}.lock"


def process_start(pid: int) -> str | None:
    """Start time of a process (``/proc/<pid>/stat`` field 22), to tell a reused pid apart."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[-1].split()[19]


def process_alive(pid: int, start: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    if start is not None and process_start(pid) not in (None, start):
        return False  # the pid was reused by another process
    try:  # a killed process nobody has reaped yet (a zombie) is gone too
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _is_marker(name: str) -> bool:
    """The marker or a temporary file of its atomic rewrite."""
    return name == MARKER or (name.startswith(MARKER + ".") and name.endswith(".tmp"))


def _parse_marker(folder: Path) -> tuple[dict | None, str]:
    """The marker document of ``folder`` whatever its signature, or None and why not."""
    path = folder / MARKER
    try:
        if path.is_symlink():
            return None, f"its {MARKER} is a symbolic link, which bayes-peer never writes"
        if not path.is_file():
            return None, f"it has no {MARKER} marker, so bayes-peer did not write it"
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, f"its {MARKER} marker cannot be read, so bayes-peer did not write it"
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        return None, f"its {MARKER} is not a bayes-peer marker"
    files = doc.get("files")
    if not isinstance(files, dict) or doc.get("kind") not in KINDS:
        return None, f"its {MARKER} marker is incomplete, so bayes-peer did not write it"
    if not all(isinstance(v, dict) for v in files.values()):
        return None, f"its {MARKER} marker is malformed, so bayes-peer did not write it"
    return doc, ""


def _verified(folder: Path) -> tuple[dict | None, str | None]:
    """The signed marker of ``folder`` and None, or None and why it has none."""
    doc, why = _parse_marker(folder)
    if doc is None:
        return None, why
    if signing.verify(doc):
        return doc, None
    adopt = f"`bayes-peer adopt {folder}` vouches for it once you have checked its files"
    if "signature" not in doc:
        return None, (
            f"its {MARKER} marker is not signed (written by hand, or by bayes-peer before "
            f"markers were signed); {adopt}"
        )
    return None, (
        f"its {MARKER} marker is not signed with this user's marker key "
        f"({signing.key_path()}), so it proves nothing about who wrote it; {adopt}"
    )


def marker_problem(folder: Path) -> str | None:
    """Why ``folder`` has no valid (signed) marker, or None when it has one."""
    return _verified(folder)[1]


def read_marker(folder: Path) -> dict | None:
    """The marker of a results folder, or None when there is no valid (signed) one."""
    return _verified(folder)[0]


def _own_paths(folder: Path) -> list[Path]:
    """Every path under ``folder`` except those inside nested results folders (with their own
    marker, which lists their files), sorted."""
    out = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        nested = (folder / Path(*rel.parts[:i]) / MARKER for i in range(1, len(rel.parts)))
        if not any(marker.is_file() for marker in nested):
            out.append(path)
    return out


def manifest(folder: Path, paths: list[Path] | None = None) -> dict[str, dict]:
    """Size and SHA-256 of every file under ``folder`` (relative POSIX paths), nested results
    folders (with their own marker) excepted; ``paths``: :func:`_own_paths` already walked."""
    files: dict[str, dict] = {}
    for path in _own_paths(folder) if paths is None else paths:
        if path.is_file() and not path.is_symlink() and not _is_marker(path.name):
            rel = path.relative_to(folder).as_posix()
            files[rel] = {"size": path.stat().st_size, "sha256": _sha256(path)}
    return files


def folder_list(folder: Path, paths: list[Path] | None = None) -> list[str]:
    """Every sub-folder of ``folder`` bayes-peer wrote (relative POSIX paths; nested results
    folders listed, not their insides), so that a folder the user adds, even an empty one,
    makes the whole folder theirs; ``paths``: :func:`_own_paths` already walked."""
    return [
        path.relative_to(folder).as_posix()
        for path in (_own_paths(folder) if paths is None else paths)
        if path.is_dir() and not path.is_symlink()
    ]


def write_marker(folder: Path, kind: str, command: str) -> None:
    """Write (or rewrite) the marker of ``folder`` listing every file in it now."""
    doc = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "command": command,
        "bayes_peer_version": __version__,
        "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "files": manifest(folder, paths := _own_paths(folder)),
        "folders": folder_list(folder, paths),
    }
    write_marker_doc(folder, doc)


def write_marker_doc(folder: Path, doc: dict) -> None:
    """Sign ``doc`` (:func:`bayes_peer.runs.signing.sign`) and write it as the marker of
    ``folder`` (atomic replace)."""
    doc = signing.sign(doc)
    _replace_marker(folder, (json.dumps(doc, indent=1) + "\n").encode("utf-8"))


def _replace_marker(folder: Path, content: bytes) -> None:
    """Write ``content`` as the marker of ``folder`` (a temporary file, then renamed)."""
    tmp = folder / f"{MARKER}.{os.getpid()}.tmp"
    tmp.write_bytes(content)
    os.replace(tmp, folder / MARKER)


def stale_staging(path: Path) -> bool:
    """A staging folder (or lock file) of bayes-peer whose process is gone."""
    if path.is_symlink():
        return False
    if path.is_dir():
        try:
            doc = json.loads((path / STAGING_MARKER).read_text(encoding="utf-8"))
            return not process_alive(int(doc["pid"]), doc.get("start"))
        except (OSError, ValueError, KeyError, TypeError):
            return False
    return False


def _free_lock(path: Path) -> bool:
    """A lock file of bayes-peer that no process holds."""
    if path.is_symlink() or not path.is_file():
        return False
    try:
        doc = json.loads(path.read_text(encoding="utf-8") or "{}")
        if doc.get("format") != LOCK_FORMAT:
            return False
    except (OSError, ValueError):
        return False
    import fcntl

    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


def foreign_entry(folder: Path, kind: str | None = None) -> str | None:
    """Why ``folder`` is not bayes-peer's to replace (None when it is).

    It is bayes-peer's when its marker is valid (of ``kind`` when given) and every file in
    it is one the marker lists with the same size and hash; nested results folders must pass
    the same test (of any kind); stale staging folders and free lock files of bayes-peer are
    allowed. Files listed but missing are fine (removing them loses nothing of the user's).
    """
    marker, why = _verified(folder)
    if marker is None:
        return why
    if kind is not None and marker["kind"] != kind:
        return (
            f"it holds {KINDS[marker['kind']]}, written by '{marker.get('command')}', which this "
            "command does not replace"
        )
    listed = marker["files"]
    folders = set(marker.get("folders") or ())
    pending = [folder]
    while pending:
        current = pending.pop()
        for entry in sorted(current.iterdir()):
            rel = entry.relative_to(folder).as_posix()
            if _is_marker(entry.name) and current == folder:
                continue
            if entry.is_symlink():
                return f"'{rel}' is a symbolic link, which bayes-peer never writes"
            if entry.is_dir():
                if (entry / MARKER).exists():
                    why = foreign_entry(entry)
                    if why is not None:
                        return f"the folder '{rel}' inside it: {why}"
                elif stale_staging(entry):
                    continue
                elif rel not in folders:
                    return f"the folder '{rel}' is not one bayes-peer wrote there"
                else:
                    pending.append(entry)
                continue
            if entry.name.endswith(".lock") and _free_lock(entry):
                continue
            info = listed.get(rel)
            if info is None:
                return f"'{rel}' is not a file bayes-peer wrote there"
            why = _differs(entry, rel, info)
            if why is not None:
                return why
    return None


def _differs(path: Path, rel: str, info: dict) -> str | None:
    """Why the file at ``path`` is not the one its marker lists (``info``), or None."""
    try:
        if path.stat().st_size != info.get("size") or _sha256(path) != info.get("sha256"):
            return f"'{rel}' was changed after bayes-peer wrote it"
    except OSError as exc:
        return f"'{rel}' cannot be read ({exc.strerror})"
    return None


def changed_entry(folder: Path) -> str | None:
    """Why a file the (valid) marker of ``folder`` lists differs from its listing, or None
    (files the marker does not list are not looked at)."""
    marker = read_marker(folder)
    if marker is None:
        return None
    for rel, info in sorted(marker["files"].items()):
        path = folder / rel
        if path.is_file() and not path.is_symlink():
            why = _differs(path, rel, info)
            if why is not None:
                return why
    return None


def enclosing_results(path: Path) -> tuple[Path, dict] | None:
    """The nearest existing ancestor of ``path`` (not ``path`` itself) that is a results
    folder, with its marker."""
    for parent in path.parents:
        if (parent / MARKER).is_file():
            marker = read_marker(parent)
            if marker is not None:
                return parent, marker
    return None


def busy_entry(folder: Path) -> str | None:
    """A lock file some process holds, or a staging folder of a live run, anywhere inside
    ``folder`` (a nested run writing there), or None."""
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            continue
        if path.is_file() and path.name.endswith(".lock") and not _free_lock(path):
            return path.relative_to(folder).as_posix()
        if path.is_dir() and (path / STAGING_MARKER).is_file() and not stale_staging(path):
            return path.relative_to(folder).as_posix()
    return None


def leftover(path: Path) -> bool:
    """A free lock file or the staging folder of a process that is gone (not worth copying)."""
    if path.is_symlink():
        return False
    if path.is_dir():
        return (path / STAGING_MARKER).is_file() and stale_staging(path)
    return path.name.endswith(".lock") and _free_lock(path)


def missing_entry(folder: Path) -> str | None:
    """The first file the (valid) marker of ``folder`` lists that is no longer there."""
    marker = read_marker(folder)
    if marker is None:
        return None
    for rel in sorted(marker["files"]):
        path = folder / rel
        if path.is_symlink() or not path.is_file():
            return rel
    return None


def adopt(folder: str | Path) -> dict:
    """Sign the marker of ``folder`` with this user's key: the user vouches that bayes-peer
    wrote it (a folder from before markers were signed, or from another account or machine).

    The marker must be a bayes-peer marker and list exactly the files in the folder, unchanged
    (nested results folders are adopted on their own first). Returns ``{"folder", "kind",
    "files"}``.

    Raises
    ------
    InputError
        When the folder has no bayes-peer marker, or a file differs from its listing.
    """
    folder = Path(folder)
    if folder.is_symlink() or not folder.is_dir():
        raise InputError(f"{folder}: not a folder")
    doc, why = _parse_marker(folder)
    if doc is None:
        raise InputError(f"{folder}: not adopted: {why}")
    paths = _own_paths(folder)
    listed, current = doc["files"], manifest(folder, paths)
    for rel in sorted(set(listed) | set(current)):
        if rel not in listed:
            raise InputError(f"{folder}: not adopted: '{rel}' is not listed in its {MARKER}")
        if rel not in current:
            raise InputError(
                f"{folder}: not adopted: '{rel}' is listed in its {MARKER} but missing"
            )
        if {k: listed[rel].get(k) for k in ("size", "sha256")} != current[rel]:
            raise InputError(f"{folder}: not adopted: '{rel}' differs from its {MARKER} listing")
    records = [name for name in RECORDS if name in listed]
    if not records:
        raise InputError(
            f"{folder}: not adopted: it holds none of the records bayes-peer writes in a "
            f"results folder ({', '.join(RECORDS)}), so bayes-peer did not write it"
        )
    original = (folder / MARKER).read_bytes()
    doc = {**doc, "format_version": FORMAT_VERSION, "folders": folder_list(folder, paths)}
    write_marker_doc(folder, doc)
    try:
        why = foreign_entry(folder)
        if why is not None:  # a symbolic link, or a nested folder not adopted yet
            raise InputError(f"{folder}: not adopted: {why}")
    except BaseException:
        _replace_marker(folder, original)
        raise
    return {"folder": str(folder), "kind": doc["kind"], "files": len(listed)}
