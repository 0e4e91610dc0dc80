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
from pathlib import Path

from bayes_peer.runtime import parse_flags

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


def installed_version(name: str) -> str | None:
    """The installed version of distribution ``name`` (None when it is not installed).

    Read from the name of its ``<name>-<version>.dist-info`` folder on ``sys.path`` (about
    1 ms; ``importlib.metadata`` costs 40 ms of imports, which every ``import bayes_peer``
    would pay), falling back to ``importlib.metadata`` for other layouts.
    """
    prefix = f"{name}-"
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for item in names:
            if item.startswith(prefix) and item.endswith(".dist-info"):
                return item[len(prefix) : -len(".dist-info")]
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def versions_key() -> str:
    """``py3.12-pytensor3.3.8-pymc6.4.0-...``: the libraries the compiled code depends on."""
    parts = [f"py{sys.version_info.major}.{sys.version_info.minor}"]
    for name in KEY_PACKAGES:
        version = installed_version(name)
        parts.append(f"{name}-none" if version is None else f"{name}{version}")
    return "-".join(parts)


def cache_dir() -> Path:
    """The sub-folder of the installed library versions."""
    return cache_root() / versions_key()


def _flag_compiledir() -> str | None:
    return _flag("base_compiledir", "compiledir")


def _user_compiledir() -> str | None:
    """A compile directory the user set in ``PYTENSOR_FLAGS`` (ours, set by
    :func:`configure` in this or a parent process, does not count)."""
    value = _flag_compiledir()
    if value is None or Path(value) == cache_dir() / "pytensor":
        return None
    return value


def _flag(*names: str) -> str | None:
    """The value of the first of ``names`` set in ``PYTENSOR_FLAGS`` (None when none is)."""
    for key, value in parse_flags(os.environ.get("PYTENSOR_FLAGS", "")):
        if key in names:
            return value
    return None


def configure() -> Path | None:
    """Point PyTensor, numba and matplotlib at bayes-peer's cache, in the environment only.

    Called when ``bayes_peer`` is imported (so the API, the command line and worker processes,
    which inherit the environment, use one cache) and before PyTensor loads. Nothing is
    created here: PyTensor creates its folders when a model is first compiled, after every
    input was validated, and :func:`activate` marks them. What goes where:

    * PyTensor's compile folder: ``<cache>/<versions>/pytensor`` (unless ``PYTENSOR_FLAGS``
      names one);
    * the Python source PyTensor generates for each compiled function (by default one file
      per function in ``$TMPDIR``, never removed): ``<cache>/<versions>/generated``, named by
      content and pruned by PyTensor when unused for a week;
    * matplotlib's font cache: ``<cache>/matplotlib``, unless ``MPLCONFIGDIR`` is set or the
      user has a matplotlib settings folder of their own (then matplotlib keeps reading it).

    Returns the versions folder, or None when the user chose a compile folder with
    ``PYTENSOR_FLAGS`` or PyTensor was already imported (:func:`activate` then redirects what
    can still be redirected).
    """
    global _active
    folder = cache_dir()
    _matplotlib_dir()
    if _flag("generated_src_dir") is None and "pytensor" not in sys.modules:
        _append_flag(f"generated_src_dir={folder / 'generated'}")
    if _flag_compiledir() is not None and _user_compiledir() is None:
        _active = folder  # set by a parent process (e.g. a worker of `sensitivity --demo`)
        return folder
    if _user_compiledir() is not None or "pytensor" in sys.modules:
        return None
    _append_flag(f"base_compiledir={folder / 'pytensor'}")
    _active = folder
    return folder


def _matplotlib_dir() -> None:
    """``MPLCONFIGDIR`` in the cache when the user has no matplotlib settings folder (so
    nothing changes for them but where the font cache goes; matplotlib writes it under
    ``$HOME`` otherwise)."""
    if "MPLCONFIGDIR" in os.environ:
        return
    home = Path(os.path.expanduser("~"))
    config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config") / "matplotlib"
    if config.exists() or (home / ".matplotlib").exists():
        return  # their own matplotlibrc and styles stay in force
    os.environ["MPLCONFIGDIR"] = str(cache_root() / "matplotlib")


def _append_flag(item: str) -> None:
    flags = os.environ.get("PYTENSOR_FLAGS", "")
    os.environ["PYTENSOR_FLAGS"] = f"{flags},{item}" if flags else item


def _drop_own_flags(folder: Path) -> None:
    """Remove the PyTensor settings :func:`configure` added (the cache cannot be written)."""
    global _active
    ours = {f"base_compiledir={folder / 'pytensor'}", f"generated_src_dir={folder / 'generated'}"}
    items = [i for i in os.environ.get("PYTENSOR_FLAGS", "").split(",") if i.strip() not in ours]
    os.environ["PYTENSOR_FLAGS"] = ",".join(items)
    _active = None


def activate() -> Path | None:
    """Mark the cache folders before a model is compiled (``cache clear`` removes only what
    carries bayes-peer's marker); when PyTensor was imported before bayes_peer, point its
    numba cache and generated source at the cache now. Returns the versions folder in use."""
    global _active
    if _user_compiledir() is not None:
        return None
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        mark_root()
        (folder / MARKER).touch()  # this versions folder was made by bayes-peer
    except OSError:  # a read-only cache folder: PyTensor keeps its defaults
        if "pytensor" not in sys.modules:
            _drop_own_flags(folder)
        return None
    import pytensor

    if not str(pytensor.config.generated_src_dir):
        pytensor.config.generated_src_dir = str(folder / "generated")
    if _active is None:  # PyTensor was imported first: its C compile folder stays its own
        from pytensor.link.numba import cache as numba_cache

        target = folder / "pytensor" / "numba"
        target.mkdir(parents=True, exist_ok=True)
        numba_cache.NUMBA_CACHE_PATH = target
        _active = folder
    return _active


def mark_root() -> Path:
    """Create the cache root with bayes-peer's marker (so ``cache clear`` knows it); returns it."""
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    (root / MARKER).touch()
    return root


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
            if child.is_dir() and child != current and (child / MARKER).is_file():
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
