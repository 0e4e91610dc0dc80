"""Write the SYNTHETIC published-style tables of models/tables/ from the demo study.

Usage: python scripts/make_demo_tables.py [--check]

One table per wave (12 and 24 months), as a paper would print it: the complete cases at that
wave (so each table has its own n, attrition), means and SDs to two decimals and the lower
triangle of the Pearson correlation matrix to two decimals. ``models/published_tables.toml`` reanalyses
them from these numbers alone. With --check, exit 1 if the shipped tables differ.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from bayes_peer.data.demo import demo_path
from bayes_peer.data.participants import read_participants

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "models" / "tables"
CONSTRUCTS = ["alliance", "contacts", "budget_used", "satisfaction", "empowerment", "recovery",
              "qol"]  # fmt: skip
BASELINES = ["empowerment_m0", "recovery_m0", "qol_m0"]
WAVES = {"m12": "12 months", "m24": "24 months"}


def table_text(wave: str) -> str:
    """The TOML of one wave's table (two decimals, lower triangle)."""
    columns = [f"{c}_{wave}" for c in CONSTRUCTS] + BASELINES
    data = read_participants(demo_path(), columns)
    x = data.matrix(columns)
    x = x[~np.isnan(x).any(axis=1)]
    corr = np.corrcoef(x, rowvar=False)
    lines = [
        f"# SYNTHETIC: Table of the demo study at {WAVES[wave]}, derived by",
        "# scripts/make_demo_tables.py from bayes_peer/data/demo_study.csv (simulated data,",
        "# not the paper's numbers). Complete cases at this wave; two decimals, as published.",
        f'title = "Means, SDs and Pearson correlations at {WAVES[wave]} (SYNTHETIC)"',
        "synthetic = true",
        'deletion = "listwise"',
        f"n = {len(x)}",
        "variables = [" + ", ".join(f'"{c}"' for c in columns) + "]",
        "means = [" + ", ".join(f"{v:.2f}" for v in x.mean(axis=0)) + "]",
        "sds = [" + ", ".join(f"{v:.2f}" for v in x.std(axis=0, ddof=1)) + "]",
        "correlations = [",
    ]
    for i in range(len(columns)):
        cells = [f"{corr[i, j]:.2f}".replace("-0.00", "0.00") for j in range(i)]
        lines.append("  [" + ", ".join([*cells, "1.0"]) + "],")
    lines.append("]")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare with the shipped tables")
    args = parser.parse_args()
    FOLDER.mkdir(exist_ok=True)
    status = 0
    for wave in WAVES:
        path = FOLDER / f"demo_{wave}.toml"
        text = table_text(wave)
        if args.check:
            if not path.exists() or path.read_text() != text:
                print(f"{path} differs from the generator's output", file=sys.stderr)
                status = 1
        else:
            path.write_text(text)
            print(f"wrote {path}")
    return status


if __name__ == "__main__":
    sys.exit(main())
