"""The persistent compile cache: where it lives, what it holds, how to empty it.

What can be kept on disk between processes (measured in BENCHMARKS.md):

- PyTensor's compiled graph functions (its numba backend caches per graph, keyed by a hash of
  the graph, under PyTensor's ``base_compiledir``): a structure's first compile in a fresh
  process costs 35-70 s with an empty cache and about 4 s of this part with a warm one.
- nutpie's numba C-callable wrappers around the log density and the expansion of a draw
  (about 6 s of a warm compile): nutpie generates them per process with fresh ``uuid4`` names
  for the shared data, which numba refuses to cache, so bayes-peer generates the same wrappers
  as source with stable names and registers them with PyTensor's numba cache
  (:mod:`bayes_peer.mcmc.wrappers`); they are saved beside PyTensor's own functions.
- What stays per process: building the PyMC model, PyTensor's graph rewrites (about 2 s for
  the 6-variable joint model) and loading the cached machine code. Within one process a
  structure is compiled once and refitted (:mod:`bayes_peer.mcmc.sampler`); a compiled nutpie
  model cannot be pickled.

So the cache is PyTensor's compile directory, placed under the platform's user cache folder
(``$XDG_CACHE_HOME/bayes-peer`` or ``~/.cache/bayes-peer`` on Linux, ``~/Library/Caches/
bayes-peer`` on macOS, ``%LOCALAPPDATA%\\bayes-peer\\Cache`` on Windows; moved with
``BAYES_PEER_CACHE_DIR``), in a sub-folder keyed by the library versions, so an upgrade never
reads stale code. ``structures.json`` there lists every model structure compiled with that
cache (its name, compile times, fits), which is the structure budget of a workload.
``PYTENSOR_FLAGS=base_compiledir=...`` set by the user wins over all of this.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from importlib import metadata
from pathlib import Path

#: Packages whose versions key the cache (a change of any of them starts a new sub-folder).
KEY_PACKAGES = ("pytensor", "pymc", "nutpie", "numba", "numpy")
MARKER = ".bayes-peer-cache"
ENV = "BAYES_PEER_CACHE_DIR"
_active: Path | None = None  # the folder configure() pointed PyTensor at, if any


def cache_root() -> Path:
    """The cache folder: ``$BAYES_PEER_CACHE_DIR`` or the platform's user cache convention."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV]).expanduser()
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "bayes-peer"
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "bayes-peer" / "Cache"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "bayes-peer"


def versions_key() -> str:
    """``py3.12-pytensor3.3.8-pymc6.4.0-...``: the libraries the compiled code depends on."""
    parts = [f"py{sys.version_info.major}.{sys.version_info.minor}"]
    for name in KEY_PACKAGES:
        try:
            parts.append(f"{name}{metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name}-none")
    return "-".join(parts)


def cache_dir() -> Path:
    """The sub-folder of the installed library versions."""
    return cache_root() / versions_key()


def _flag_compiledir() -> str | None:
    for item in os.environ.get("PYTENSOR_FLAGS", "").split(","):
        key, _, value = item.partition("=")
        if key.strip() in ("base_compiledir", "compiledir"):
            return value.strip()
    return None


def _user_compiledir() -> str | None:
    """A compile directory the user set in ``PYTENSOR_FLAGS`` (ours, set by
    :func:`configure` in this or a parent process, does not count)."""
    value = _flag_compiledir()
    if value is None or Path(value) == cache_dir() / "pytensor":
        return None
    return value


def configure() -> Path | None:
    """Point PyTensor's compile directory at the cache (before PyTensor is imported).

    Returns the folder used, or None when the user chose one with ``PYTENSOR_FLAGS`` or
    PyTensor was already imported (then its own setting stays).
    """
    global _active
    folder = cache_dir()
    if _flag_compiledir() is not None and _user_compiledir() is None:
        _active = folder  # set by a parent process (e.g. a worker of `sensitivity --demo`)
        return folder
    if _user_compiledir() is not None or "pytensor" in sys.modules:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (cache_root() / MARKER).touch()
        (folder / MARKER).touch()  # this versions folder was made by bayes-peer
    except OSError:
        return None  # a read-only home: PyTensor keeps its default
    flags = os.environ.get("PYTENSOR_FLAGS", "")
    extra = f"base_compiledir={folder / 'pytensor'}"
    os.environ["PYTENSOR_FLAGS"] = f"{flags},{extra}" if flags else extra
    _active = folder
    return folder


def _size(path: Path) -> tuple[int, int]:
    total = files = 0
    for p in path.rglob("*"):
        if p.is_file():
            files += 1
            try:
                total += p.stat().st_size
            except OSError:
                pass
    return total, files


def record_structure(name: str, compile_seconds: float) -> None:
    """Add one compile of a structure to ``structures.json`` (best effort, atomic replace);
    only when :func:`configure` pointed PyTensor at the cache in this process."""
    if _active is None:
        return
    path = _active / "structures.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        entry = data.setdefault(name, {"compiles": 0, "compile_seconds": []})
        entry["compiles"] += 1
        entry["compile_seconds"] = [*entry["compile_seconds"][-9:], round(compile_seconds, 2)]
        entry["last_compiled"] = time.strftime("%Y-%m-%dT%H:%M:%S")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except (OSError, ValueError):
        pass


def structure_history(name: str) -> list[float]:
    """The recorded compile seconds of structure ``name`` in this machine's cache (oldest
    first; empty when it never compiled here or the cache is not in use)."""
    path = cache_dir() / "structures.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        return []
    return [float(s) for s in data.get(name, {}).get("compile_seconds", [])]


def info() -> dict:
    """What the cache holds: location, versions key, sizes, structures, other versions."""
    root, current = cache_root(), cache_dir()
    out: dict = {
        "root": str(root),
        "dir": str(current),
        "versions_key": versions_key(),
        "exists": current.is_dir(),
        "moved_by": ENV if os.environ.get(ENV) else None,
        "pytensor_flags_override": _user_compiledir(),
        "size_bytes": 0,
        "files": 0,
        "structures": {},
        "other_versions": [],
    }
    if current.is_dir():
        out["size_bytes"], out["files"] = _size(current)
        manifest = current / "structures.json"
        if manifest.is_file():
            try:
                out["structures"] = json.loads(manifest.read_text(encoding="utf-8"))
            except ValueError:
                out["structures"] = {}
    if root.is_dir():
        for child in sorted(root.iterdir()):
            if child.is_dir() and child != current:
                size, files = _size(child)
                out["other_versions"].append(
                    {"dir": str(child), "size_bytes": size, "files": files}
                )
    return out


def clear() -> dict:
    """Remove the compile caches bayes-peer made (every versions sub-folder holding its marker);
    returns what was removed.

    Nothing else under the cache root is touched (``BAYES_PEER_CACHE_DIR`` may point at a
    folder that holds other files); the root itself goes only when it is left empty.
    """
    from bayes_peer.errors import InputError

    root = cache_root()
    if not root.exists():
        return {"root": str(root), "removed_bytes": 0, "removed_files": 0}
    if not (root / MARKER).is_file():
        raise InputError(f"{root}: not a bayes-peer cache folder (no {MARKER}); not removed")
    size = files = 0
    for child in sorted(root.iterdir()):
        if child.is_dir() and not child.is_symlink() and (child / MARKER).is_file():
            child_size, child_files = _size(child)
            shutil.rmtree(child)
            size, files = size + child_size, files + child_files
    if [p.name for p in root.iterdir()] == [MARKER]:
        (root / MARKER).unlink()
        root.rmdir()
    return {"root": str(root), "removed_bytes": size, "removed_files": files}
