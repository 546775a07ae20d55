"""Count, per graded question, the Python constructs no earlier lesson cell shows.

Run ``.venv/bin/python benchmarks/novice.py`` (or ``aimed lint --novice``) from the
repository. The check itself lives in :mod:`aimed.novice`; this script only prints its
report (a per-question table and a total). Issue 14 asks for 0.
"""

from __future__ import annotations

import sys

from aimed.novice import main

if __name__ == "__main__":
    sys.exit(main())
