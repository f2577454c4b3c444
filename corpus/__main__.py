"""`python -m corpus`: see corpus/__init__.py."""

import sys

from corpus.cli import main

sys.exit(main())
