"""``bayes-peer report FOLDER``, ``bayes-peer adopt FOLDER`` and ``bayes-peer cache info|clear``."""

from __future__ import annotations

import argparse

from bayes_peer.cli.common import emit_json


def add_parsers(sub) -> None:
    k = sub.add_parser(
        "cache",
        help="show or empty the persistent compile cache",
        description="The compile cache (PyTensor's compiled graphs, keyed by library versions) "
        "under the user cache folder; BAYES_PEER_CACHE_DIR moves it.",
    )
    k.add_argument(
        "action",
        choices=["info", "clear"],
        help="info: location, size, structures compiled; clear: remove it",
    )
    k.add_argument("--json", action="store_true", help="print one JSON object")
    k.set_defaults(func=run_cache)

    p = sub.add_parser(
        "report",
        help="(re)write report.html, report.md and figures/ for a results folder",
        description="Builds the report of a folder written by `run` or `demo` from its tables "
        "and NetCDF posteriors (no refitting).",
    )
    p.add_argument("folder", help="results folder, e.g. results/demo")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run_report)

    a = sub.add_parser(
        "adopt",
        help="sign a results folder's marker so that --force may replace it",
        description="A results folder's marker is signed with your marker key (in the cache "
        "folder). A folder written before markers were signed, or under another account, "
        "is foreign until you adopt it: its marker must list exactly its files, unchanged.",
    )
    a.add_argument("folder", help="results folder, e.g. results/demo")
    a.add_argument("--json", action="store_true", help="print one JSON object")
    a.set_defaults(func=run_adopt)


def run_adopt(args: argparse.Namespace) -> int:
    import bayes_peer as bp

    done = bp.adopt_folder(args.folder)
    if args.json:
        emit_json(done)
    else:
        print(f"Adopted {done['folder']} ({done['kind']}, {done['files']} files)")
    return 0


def run_report(args: argparse.Namespace) -> int:
    import bayes_peer as bp

    built = bp.rebuild_report(args.folder)
    if args.json:
        emit_json(built)
    else:
        print(
            f"Wrote {built['html']} and {built['markdown']} ({len(built['figures'])} figures, "
            f"{built['seconds']:.1f} s)"
        )
    return 0


def run_cache(args: argparse.Namespace) -> int:
    from bayes_peer.mcmc import cache

    if args.action == "clear":
        done = cache.clear()
        if args.json:
            emit_json(done)
        else:
            print(
                f"Removed {done['root']} ({done['removed_files']} files, "
                f"{done['removed_bytes'] / 1e6:.1f} MB)"
            )
        return 0
    doc = cache.info()
    if args.json:
        emit_json(doc)
        return 0
    print(f"Compile cache: {doc['dir']}" + (" (empty)" if not doc["exists"] else ""))
    if doc["moved_by"]:
        print(f"  moved by {doc['moved_by']}")
    if doc["pytensor_flags_override"]:
        print(
            f"  PYTENSOR_FLAGS sets base_compiledir={doc['pytensor_flags_override']}: "
            "this cache is not used"
        )
    print(
        f"  {doc['files']} files, {doc['size_bytes'] / 1e6:.1f} MB; libraries: "
        f"{doc['versions_key']}"
    )
    for name, entry in sorted(doc["structures"].items()):
        seconds = ", ".join(f"{t:.1f}" for t in entry["compile_seconds"])
        print(f"  structure {name}: compiled {entry['compiles']}x ({seconds} s)")
    for other in doc["other_versions"]:
        print(f"  other library versions: {other['dir']} ({other['size_bytes'] / 1e6:.1f} MB)")
    return 0
