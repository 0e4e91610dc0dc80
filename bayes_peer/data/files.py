"""Reading an input file safely: only regular files, only up to a documented size.

A FIFO would block a reader forever and ``/dev/zero`` never ends, so every input (participant
CSV, summary-statistics TOML, analysis spec) is checked to be a regular file *before* it is
opened, opened without blocking, checked again on the open descriptor, and read only up to its
limit.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from bayes_peer.errors import InputError

#: Largest participant CSV read (about 1 million rows of 10 numeric columns).
MAX_CSV_BYTES = 100 * 2**20
#: Largest TOML file read (specs and summary-statistics tables are a few kB).
MAX_TOML_BYTES = 2**20


#: Longest name of a file or folder bayes-peer writes, in bytes of UTF-8: its staging sibling
#: (``.<name>.partial-<pid>-<hex>``), lock or temporary name must fit the 255 bytes of common
#: file systems.
MAX_NAME_BYTES = 200
#: Longest path given for a file or folder (Linux's PATH_MAX is 4096 bytes).
MAX_PATH_BYTES = 4000


def shown_path(text: str) -> str:
    """A path as a message shows it: on one line, invisible characters escaped."""
    if text.isprintable():
        return text
    return ascii(text)[1:-1]


def path_problem(text: str, *, writing: bool) -> str | None:
    """What makes ``text`` unusable as a path (None when nothing does).

    A control character (NUL, a newline, ...) is refused in every path; a name longer than
    :data:`MAX_NAME_BYTES` in a folder bayes-peer writes (``writing``), and any path longer than
    :data:`MAX_PATH_BYTES`.
    """
    import unicodedata

    bad = next((ch for ch in text if unicodedata.category(ch) == "Cc"), None)
    if bad is not None:
        return f"holds a control character ({shown_path(bad)}), which no path should hold"
    size = len(text.encode("utf-8", "surrogateescape"))
    if size > MAX_PATH_BYTES:
        return f"is {size} bytes long; paths may have at most {MAX_PATH_BYTES}"
    if writing:
        for part in Path(text).parts:
            size = len(part.encode("utf-8", "surrogateescape"))
            if size > MAX_NAME_BYTES:
                return (
                    f"has a name of {size} bytes ('{shown_path(part[:24])}...'); a file or "
                    f"folder bayes-peer writes may have a name of at most {MAX_NAME_BYTES} bytes"
                )
    return None


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_regular_file(path: str | Path, *, what: str, limit: int) -> bytes:
    """The bytes of ``path``, refused (InputError) unless it is a regular file within ``limit``.

    Parameters
    ----------
    path : str or pathlib.Path
        The file.
    what : str
        What the file is, for messages ("participant CSV", "spec").
    limit : int
        Largest size in bytes.
    """
    label = shown_path(str(path))
    problem = path_problem(str(path), writing=False)
    if problem is not None:
        raise InputError(f"{label}: the path {problem}")
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{label}: file not found") from None
    except NotADirectoryError:
        raise InputError(f"{label}: file not found (a part of the path is a file)") from None
    except OSError as exc:
        raise InputError(f"{label}: cannot read the file ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{label}: is {_kind(info.st_mode)}; expected a {what} (a regular file)")
    if info.st_size > limit:
        raise InputError(
            f"{label}: the file has {info.st_size / 2**20:.1f} MB; a {what} may have at most "
            f"{limit / 2**20:g} MB"
        )
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputError(f"{label}: cannot read the file ({exc.strerror})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced between stat and open
            raise InputError(f"{label}: is not a regular file; expected a {what}")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise InputError(f"{label}: a {what} may have at most {limit / 2**20:g} MB")
            chunks.append(chunk)
    except OSError as exc:
        raise InputError(f"{label}: cannot read the file ({exc.strerror})") from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def read_toml(path: str | Path, *, what: str) -> tuple[bytes, dict]:
    """The bytes and the parsed document of a TOML file (a spec or a summary table).

    One byte-order mark is accepted; the file must be a regular file of at most
    :data:`MAX_TOML_BYTES`.
    """
    import tomllib

    raw = read_regular_file(path, what=what, limit=MAX_TOML_BYTES)
    if not raw.strip():
        raise InputError(f"{path}: the file is empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    if text.startswith("\ufeff"):
        raise InputError(f"{path}: the file starts with two byte-order marks (U+FEFF)")
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None
    return raw, doc
