"""Trust layer: the audit ledger's exceptions (one root, so callers catch one type).

Every failure is a UserError: the CLI prints it as one line and exits 1.
Verification raises one of these; nothing in the ledger returns False.
"""

from __future__ import annotations

from upel.diagnostics import UserError


class LedgerError(UserError):
    """The ledger, an entry, a proof or a checkpoint is invalid."""


class ProofError(LedgerError):
    """An inclusion or consistency proof, or a root, did not verify."""
