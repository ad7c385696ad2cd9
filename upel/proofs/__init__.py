"""Proof targets, importable as `upel.proofs.<name>`.

The code lives in the repository's top-level `proofs/` folder (see
docs/architecture.md); this package extends its import path to that folder,
so nothing is ever installed as a generic top-level `proofs` package that
could collide with a user's own modules.
"""

from pathlib import Path as _Path

__path__.append(str(_Path(__file__).resolve().parents[2] / "proofs"))  # noqa: F821 - package __path__
