"""Shared helpers of the lang tests (``fastpath_cases``) live in this folder; tests in its
subfolders import them too, whatever order pytest collects them in."""

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
