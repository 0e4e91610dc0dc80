"""``python -m bayes_peer`` runs the command line."""

import sys

from bayes_peer.cli import main

sys.exit(main())
