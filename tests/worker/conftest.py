"""Shared by the worker's unit and integration tests.

tests/worker is a package (its tests share helpers), so pytest puts tests/ on sys.path; put
the project root before it, or ``import lang`` could find the tests/lang folder instead of the
lang package.
"""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if sys.path[0] != ROOT:
    sys.path.insert(0, ROOT)
_lang = sys.modules.get("lang")
if _lang is not None and getattr(_lang, "__file__", None) is None:  # the tests/lang namespace
    del sys.modules["lang"]
