"""Regenerate the shipped SYNTHETIC demo study, bayes_peer/data/demo_study.csv.

Usage: python scripts/make_demo_data.py [--check | --search]

With --check, exit 1 if the shipped file differs from what the generator produces.
With --search, print the first seed from SEARCH_START upward whose sample shows the abstract's
qualitative pattern (how DEMO_SEED was chosen; see shows_abstract_pattern).
The generating process and its true parameters are documented in bayes_peer/data/demo.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bayes_peer.data.demo import (
    DEMO_FILENAME,
    DEMO_SEED,
    SEARCH_START,
    generate_demo,
    shows_abstract_pattern,
    to_csv_text,
)

TARGET = Path(__file__).resolve().parent.parent / "bayes_peer" / "data" / DEMO_FILENAME


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    parser.add_argument("--search", action="store_true", help="repeat the seed search")
    args = parser.parse_args()
    if args.search:
        seed = SEARCH_START
        while not shows_abstract_pattern(generate_demo(seed=seed)):
            seed += 1
        print(f"first seed with the pattern: {seed} (DEMO_SEED = {DEMO_SEED})")
        return 0 if seed == DEMO_SEED else 1
    text = to_csv_text(generate_demo(seed=DEMO_SEED))
    if args.check:
        same = TARGET.exists() and TARGET.read_text() == text
        print("demo data up to date" if same else f"{TARGET} differs from the generator")
        return 0 if same else 1
    TARGET.write_text(text)
    print(f"wrote {TARGET} (SYNTHETIC, seed {DEMO_SEED})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
