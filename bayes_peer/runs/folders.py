"""Results folders that bayes-peer owns: written atomically, locked, marked, never anyone else's.

Every folder bayes-peer writes (a run, the demo, a sensitivity analysis, ``--out`` of a single
command) is built in a hidden staging sibling (``.<name>.partial-<pid>-<random>``) and renamed
into place at the end, so an interrupted run leaves nothing under the name itself. The folder
then holds a marker, :data:`MARKER`, listing every file bayes-peer wrote with its size and
SHA-256 hash. The rules that follow from it:

* ``force`` replaces only a folder whose marker is valid, whose kind matches the writer's (the
  exact demo never replaces an MCMC run, for instance), and whose every file is one bayes-peer
  wrote, unchanged. A folder with anything else in it (a file the user added or edited, no
  marker at all) is refused and nothing in it is touched.
* The target is locked for the whole run (``.<name>.lock`` beside it, an advisory ``flock``
  released by the kernel when the process dies): a second run into the same folder is refused
  at once, naming the lock. At the final rename the target is checked again, so a folder that
  appeared while the run worked is never replaced without ``force``.
* ``.``, ``..``, an empty name, the working folder or one of its ancestors, the home folder and
  the filesystem root are refused as targets; so is a target inside another results folder
  (except a sensitivity folder inside a run's folder).
* Writability (a read-only parent, a path under a file, a full disk) is checked when the
  folder is opened, before any work.
* A staging folder left by a killed process is removed by the next run into the same parent,
  only if it carries bayes-peer's staging marker and its process is gone.
* Folders get ordinary permissions (the umask), not the 0700 of ``tempfile.mkdtemp``.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

from bayes_peer.data.files import path_problem, shown_path
from bayes_peer.errors import InputError
from bayes_peer.runs import signing
from bayes_peer.runs.index import write_index
from bayes_peer.runs.ownership import (
    KINDS,
    LOCK_FORMAT,
    MARKER,
    STAGING_MARKER,
    busy_entry,
    enclosing_results,
    foreign_entry,
    leftover,
    lock_name,
    missing_entry,
    process_start,
    read_marker,
    staging_prefix,
    stale_staging,
    write_marker,
)

#: Folders committed by this process (the command line says so if interrupted afterwards).
COMMITTED: list[str] = []

#: Free space checked before a run starts (a probe file of this size is written too).
PROBE_BYTES = 256 * 1024


def _check_target(out: Path, kind: str) -> Path:
    """Refuse targets that can never be results folders; return the absolute path."""
    text = str(out)
    if not text.strip():
        raise InputError("the output folder is empty; name a folder such as results/mine")
    problem = path_problem(text, writing=True)
    if problem is not None:
        raise InputError(f"`out` {shown_path(text)}: the folder {problem}")
    if out.name in ("", ".", "..") or text.rstrip("/").endswith(("/.", "/..")):
        raise InputError(f"{text}: name a new folder for the results, not '.' or '..'")
    target = Path(os.path.abspath(out))
    cwd = Path.cwd().resolve()
    resolved = target.resolve()
    protected = {Path(resolved.anchor), Path.home().resolve()}
    if resolved in protected or resolved == cwd or resolved in cwd.parents:
        raise InputError(
            f"{text}: is the working folder, one that contains it, the home folder or the root; "
            "name a new folder for the results"
        )
    if out.is_symlink():
        raise InputError(f"{text}: is a symbolic link; give the folder itself")
    for parent in target.parents:
        if parent.exists() and not parent.is_dir():
            raise InputError(f"{text}: {parent} is a file, not a folder")
    if out.exists() and not out.is_dir():
        raise InputError(f"{text}: exists and is not a folder")
    enclosing = enclosing_results(target)
    if enclosing is not None:
        folder, marker = enclosing
        if not (kind == "sensitivity" and marker["kind"] == "run"):
            raise InputError(
                f"{text}: is inside {folder}, which holds {KINDS[marker['kind']]}; choose a "
                "folder outside it"
            )
    return target


class ResultsFolder:
    """A results folder being written: ``with ResultsFolder(out, ...) as staging: ...``.

    On entering, the target is checked (see the module docstring), locked, stale staging
    folders are removed, and a staging folder is created and probed for space; the body writes
    into the staging folder; on a clean exit the marker is written and the staging folder
    renamed into place (the target is checked again under the lock). On any exception the
    staging folder and any parent folders created for it are removed.

    Parameters
    ----------
    out : str or pathlib.Path
        The results folder.
    kind : str
        One of :data:`KINDS`; an existing folder is replaced only if it is of the same kind.
    force : bool
        Replace an existing folder that bayes-peer wrote.
    command : str
        The command recorded in the marker (e.g. ``"bayes-peer run"``).
    needed_bytes : int
        Free space required at the parent before any work starts.
    """

    def __init__(
        self,
        out: str | Path,
        *,
        kind: str,
        force: bool,
        command: str,
        needed_bytes: int = 0,
    ):
        if kind not in KINDS:
            raise ValueError(f"unknown results-folder kind {kind!r}")
        if not isinstance(out, (str, os.PathLike)):
            raise InputError(f"`out` must be a folder path, got {type(out).__name__}")
        out = os.path.expanduser(os.fspath(out))  # '~' and '~user' as a shell expands them
        self.label = shown_path(out)
        self.out = Path(out)
        self.kind, self.force, self.command = kind, force, command
        self.needed_bytes = needed_bytes
        self.staging: Path | None = None
        self._lock_fd: int | None = None
        self._lock_path: Path | None = None
        self._created: list[Path] = []
        self.committed = False

    # ------------------------------------------------------------------ checks
    def _refuse_existing(self) -> None:
        if not self.out.exists():
            return
        if not self.out.is_dir() or self.out.is_symlink():
            raise InputError(f"{self.label}: exists and is not a folder")
        if not self.force:
            raise InputError(
                f"{self.label}: the folder exists; use --force to replace it (only a folder "
                "bayes-peer wrote is ever replaced)"
            )
        why = foreign_entry(self.out, self.kind)
        if why is not None:
            raise InputError(f"{self.label}: not replaced: {why}")

    def _make_parents(self, target: Path) -> None:
        missing = [p for p in [target.parent, *target.parent.parents] if not p.exists()]
        for parent in reversed(missing):
            try:
                parent.mkdir()
            except FileExistsError:
                continue
            except OSError as exc:
                raise InputError(f"{self.label}: cannot create {parent} ({exc.strerror})") from None
            self._created.append(parent)

    def _lock(self, parent: Path) -> None:
        import fcntl

        path = parent / lock_name(self.out.name)
        while True:
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError as exc:
                raise InputError(
                    f"{self.label}: cannot write in {parent} ({exc.strerror})"
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                holder = ""
                with contextlib.suppress(OSError, ValueError):
                    holder = f" by process {json.loads(path.read_text())['pid']}"
                raise InputError(
                    f"{self.label}: another bayes-peer run is writing this folder (lock {path} "
                    f"held{holder}); wait for it to finish or choose another folder"
                ) from None
            try:
                same = os.stat(path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)  # the file was removed by its previous holder: lock the new one
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"format": LOCK_FORMAT, "pid": os.getpid()}).encode())
        self._lock_fd, self._lock_path = fd, path

    def _unlock(self) -> None:
        if self._lock_fd is None:
            return
        with contextlib.suppress(OSError):
            if self._lock_path is not None:
                self._lock_path.unlink()
        os.close(self._lock_fd)
        self._lock_fd = None

    def _remove_stale(self, parent: Path) -> None:
        prefix = staging_prefix(self.out.name)
        with contextlib.suppress(OSError):
            for entry in parent.iterdir():
                if entry.name.startswith(prefix) and stale_staging(entry):
                    shutil.rmtree(entry, ignore_errors=True)

    def _probe(self, parent: Path) -> None:
        try:
            free = shutil.disk_usage(parent).free
        except OSError:
            free = None
        if free is not None and free < self.needed_bytes + PROBE_BYTES:
            raise InputError(
                f"{self.label}: only {free / 1e6:.1f} MB free at {parent}; this needs about "
                f"{(self.needed_bytes + PROBE_BYTES) / 1e6:.0f} MB"
            )
        probe = self.staging / ".probe"
        try:
            with probe.open("wb") as fh:
                fh.write(b"\0" * PROBE_BYTES)
                fh.flush()
                os.fsync(fh.fileno())
            probe.unlink()
        except OSError as exc:
            raise InputError(f"{self.label}: cannot write at {parent} ({exc.strerror})") from None

    # ------------------------------------------------------------------ protocol
    def __enter__(self) -> Path:
        target = _check_target(self.out, self.kind)
        self.out = target
        self._refuse_existing()
        signing.check_key()  # the marker is signed at the end: refuse now if it cannot be
        try:
            self._make_parents(target)
            parent = target.parent
            self._lock(parent)
            self._refuse_existing()  # again, under the lock
            self._remove_stale(parent)
            name = f"{staging_prefix(target.name)}{os.getpid()}-{secrets.token_hex(4)}"
            self.staging = parent / name
            try:
                self.staging.mkdir()  # mode 0o777 & ~umask: ordinary permissions
                (self.staging / STAGING_MARKER).write_text(
                    json.dumps({"pid": os.getpid(), "start": process_start(os.getpid())}),
                    encoding="utf-8",
                )
            except OSError as exc:
                raise InputError(
                    f"{self.label}: cannot write in {parent} ({exc.strerror})"
                ) from None
            self._probe(parent)
        except BaseException:
            self._cleanup()
            raise
        return self.staging

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None:
            self._cleanup()
            if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
                raise InputError(
                    f"{self.label}: cannot finish writing ({exc.strerror}); nothing was written"
                ) from None
            return False
        try:
            if not self.committed:
                self.commit()
        finally:
            self._cleanup()
        return False

    def commit(self) -> None:
        """Write the marker and rename the staging folder into place (SIGINT held back)."""
        if self.committed:
            return
        (self.staging / STAGING_MARKER).unlink()
        write_index(self.staging, self.kind, self.command)
        write_marker(self.staging, self.kind, self.command)
        with _sigint_blocked():
            if self.out.exists() or self.out.is_symlink():
                if not self.force:
                    raise InputError(
                        f"{self.label}: a folder appeared there while this run worked; not "
                        "replaced (use --force to replace a folder bayes-peer wrote)"
                    )
                why = foreign_entry(self.out, self.kind) if self.out.is_dir() else "not a folder"
                if why is not None:
                    raise InputError(f"{self.label}: not replaced: {why}")
                old = self.out.parent / f".{self.out.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
                self.out.rename(old)
                self.staging.rename(self.out)
                shutil.rmtree(old, ignore_errors=True)
            else:
                self.staging.rename(self.out)
            self.staging = None
            self._created = []
            self.committed = True
            COMMITTED.append(self.label)

    def _cleanup(self) -> None:
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None
        self._unlock()
        for parent in reversed(self._created):
            with contextlib.suppress(OSError):
                parent.rmdir()  # only if still empty
        self._created = []


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Hold SIGINT back while a folder is swapped into place (delivered afterwards)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextlib.contextmanager
def updating(folder: str | Path, command: str) -> Iterator[Path]:
    """Rewrite files of an existing results folder (a report rebuild), staged and swapped.

    The folder must be bayes-peer's (see :func:`foreign_entry`) and complete: every file its
    marker lists present and unchanged, or the update is refused naming the file and the folder
    is left byte-identical; so is a folder a nested run is writing in. The folder is locked,
    copied to a staging sibling (free locks and dead runs' staging folders left out), and the
    body writes into the copy (yielded). On success the copy gets a new index and marker; the
    folder is moved aside, checked to be exactly as it was copied, and the copy renamed into
    its place (SIGINT held back; the folder is moved back if anything fails). On any failure
    the copy is removed and the folder stays as it was.
    """
    folder = Path(folder)
    label = str(folder)
    if folder.is_symlink() or not folder.is_dir():
        raise InputError(f"{label}: not a folder")
    _check_complete(folder, label)
    kind = read_marker(folder)["kind"]
    holder = ResultsFolder(folder, kind=kind, force=True, command=command)
    holder.out = Path(os.path.abspath(folder))
    holder.label = label
    parent = holder.out.parent
    holder._lock(parent)
    try:
        marker = _check_complete(folder, label)  # again, under the lock
        holder._remove_stale(parent)
        before = _snapshot(holder.out)
        needed = sum(size for _, _, size, _ in before.values()) + PROBE_BYTES
        with contextlib.suppress(OSError):
            free = shutil.disk_usage(parent).free
            if free < needed:
                raise InputError(
                    f"{label}: only {free / 1e6:.1f} MB free at {parent}; the rebuild copies "
                    f"the folder first and needs about {needed / 1e6:.0f} MB"
                )
        name = f"{staging_prefix(holder.out.name)}{os.getpid()}-{secrets.token_hex(4)}"
        holder.staging = parent / name
        try:
            shutil.copytree(holder.out, holder.staging, symlinks=True, ignore=_leftovers)
            (holder.staging / STAGING_MARKER).write_text(
                json.dumps({"pid": os.getpid(), "start": process_start(os.getpid())}),
                encoding="utf-8",
            )
        except (OSError, shutil.Error) as exc:
            raise InputError(f"{label}: cannot copy the folder to rebuild it ({exc})") from None
        yield holder.staging
        original = marker.get("command") or command
        (holder.staging / STAGING_MARKER).unlink()
        write_index(holder.staging, kind, original)
        write_marker(holder.staging, kind, original)
        with _sigint_blocked():
            old = parent / f".{holder.out.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
            holder.out.rename(old)
            try:
                if _snapshot(old) != before:
                    raise InputError(
                        f"{label}: not updated: it changed while the report was rebuilt "
                        "(nothing was replaced; run the command again)"
                    )
                holder.staging.rename(holder.out)
            except BaseException:
                old.rename(holder.out)  # exactly as it was
                raise
            holder.staging = None
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
            raise InputError(
                f"{label}: cannot finish the rebuild ({exc.strerror}); the folder is unchanged"
            ) from None
        raise
    finally:
        holder._cleanup()


def _snapshot(folder: Path) -> dict[str, tuple[int, int, int, int]]:
    """Every entry under ``folder`` with its mode, modification time, size and inode: what a
    rebuild checks before it swaps the folder (a nested run's lock or files show up)."""
    out = {}
    for path in folder.rglob("*"):
        info = path.lstat()
        rel = path.relative_to(folder).as_posix()
        out[rel] = (info.st_mode, info.st_mtime_ns, info.st_size, info.st_ino)
    return out


def _leftovers(directory: str, names: list[str]) -> set[str]:
    """What a rebuild's copy leaves out: free lock files, dead runs' staging folders."""
    return {name for name in names if leftover(Path(directory) / name)}


def _check_complete(folder: Path, label: str) -> dict:
    """The marker of ``folder`` when the folder is bayes-peer's with every listed file and no
    run is writing inside it."""
    busy = busy_entry(folder)
    if busy is not None:
        raise InputError(
            f"{label}: not updated: a bayes-peer run is writing inside it ('{busy}'); wait for "
            "it to finish"
        )
    why = foreign_entry(folder)
    if why is not None:
        raise InputError(f"{label}: not updated: {why}")
    missing = missing_entry(folder)
    if missing is not None:
        raise InputError(
            f"{label}: not updated: '{missing}' is missing (listed in its {MARKER}); rerun the "
            "command that wrote the folder"
        )
    return read_marker(folder)


def is_ours(folder: str | Path) -> bool:
    """True when ``folder`` is a results folder bayes-peer wrote and nobody changed."""
    folder = Path(folder)
    return folder.is_dir() and foreign_entry(folder) is None


__all__ = [
    "KINDS",
    "MARKER",
    "ResultsFolder",
    "foreign_entry",
    "is_ours",
    "read_marker",
    "updating",
    "write_marker",
]
