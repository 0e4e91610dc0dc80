"""What makes a folder bayes-peer's: its marker, the manifest of the files it wrote, and the
staging folders and locks of runs in progress.

A results folder holds :data:`MARKER`, a JSON file listing every file bayes-peer wrote there with
its size and SHA-256 hash. :func:`foreign_entry` says why a folder is *not* bayes-peer's to
replace (no valid marker, a file the user added or changed, a symbolic link), and returns None
when it is. Staging folders carry :data:`STAGING_MARKER` with the pid and start time of the
process writing them, so a later run can tell a killed run's leftovers from a live one's.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from bayes_peer import __version__

MARKER = ".bayes-peer.json"
#: The marker of a staging folder (pid and start time of the process that writes it).
STAGING_MARKER = ".bayes-peer-staging.json"
FORMAT = "bayes-peer-results"
FORMAT_VERSION = 1
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


def read_marker(folder: Path) -> dict | None:
    """The marker of a results folder, or None when there is no valid one."""
    path = folder / MARKER
    try:
        if path.is_symlink() or not path.is_file():
            return None
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        return None
    if not isinstance(doc.get("files"), dict) or doc.get("kind") not in KINDS:
        return None
    return doc


def manifest(folder: Path) -> dict[str, dict]:
    """Size and SHA-256 of every file under ``folder`` (relative POSIX paths), nested results
    folders (with their own marker) excepted."""
    files: dict[str, dict] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        nested = (folder / Path(*rel.parts[:i]) / MARKER for i in range(1, len(rel.parts)))
        if any(marker.is_file() for marker in nested):
            continue  # inside a nested results folder, which lists its own files
        if path.is_file() and not path.is_symlink() and not _is_marker(path.name):
            files[rel.as_posix()] = {"size": path.stat().st_size, "sha256": _sha256(path)}
    return files


def write_marker(folder: Path, kind: str, command: str) -> None:
    """Write (or rewrite) the marker of ``folder`` listing every file in it now."""
    doc = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "command": command,
        "bayes_peer_version": __version__,
        "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "files": manifest(folder),
    }
    write_marker_doc(folder, doc)


def write_marker_doc(folder: Path, doc: dict) -> None:
    tmp = folder / f"{MARKER}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
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
    marker = read_marker(folder)
    if marker is None:
        return f"it has no valid {MARKER} marker, so bayes-peer did not write it"
    if kind is not None and marker["kind"] != kind:
        return (
            f"it holds {KINDS[marker['kind']]}, written by '{marker.get('command')}', which this "
            "command does not replace"
        )
    listed = marker["files"]
    # An update (a report rebuild) that was interrupted may have rewritten only its own paths.
    updating = marker.get("updating") if isinstance(marker.get("updating"), dict) else None
    if updating is not None and process_alive(int(updating.get("pid", 0)), updating.get("start")):
        updating = None  # still running: its lock keeps other writers out
    loose = tuple(updating.get("paths", ())) if updating is not None else ()
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
                else:
                    pending.append(entry)
                continue
            if entry.name.endswith(".lock") and _free_lock(entry):
                continue
            if loose and _matches(rel, loose):
                continue
            info = listed.get(rel)
            if info is None:
                return f"'{rel}' is not a file bayes-peer wrote there"
            try:
                if entry.stat().st_size != info.get("size") or _sha256(entry) != info.get("sha256"):
                    return f"'{rel}' was changed after bayes-peer wrote it"
            except OSError as exc:
                return f"'{rel}' cannot be read ({exc.strerror})"
    return None


def _matches(rel: str, patterns: tuple[str, ...]) -> bool:
    """``rel`` is one of ``patterns`` (a file name anywhere, or a folder ending in '/')."""
    parts = rel.split("/")
    for pattern in patterns:
        if pattern.endswith("/"):
            if pattern[:-1] in parts[:-1]:
                return True
        elif parts[-1] == pattern:
            return True
    return False


def enclosing_results(path: Path) -> tuple[Path, dict] | None:
    """The nearest existing ancestor of ``path`` (not ``path`` itself) that is a results
    folder, with its marker."""
    for parent in path.parents:
        if (parent / MARKER).is_file():
            marker = read_marker(parent)
            if marker is not None:
                return parent, marker
    return None
