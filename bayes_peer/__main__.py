"""``python -m bayes_peer`` runs the command line."""

import sys

from bayes_peer.cli import console_main

if __name__ == "__main__":  # not when a worker process re-imports the main module
    sys.exit(console_main())
