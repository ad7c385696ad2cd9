"""Trust layer: the audit ledger (append-only, hash-chained, Merkle-proved).

    from upel.trust.ledger import append, LedgerError
    index = append("audit.ledger", "release", {"bundle": "sha256:..."})

Entries are canonical CBOR with `index` and `prev`; the file is the leaf
sequence of an RFC 9162 Merkle tree with inclusion and consistency proofs;
signed checkpoints (C2SP checkpoint / signed-note text) pin a size and root
whose size only grows. Every check raises a LedgerError (a UserError); none
returns False. docs/ledger.md describes formats and commands.

Modules: `merkle` (tree and proofs), `store` (file, crash-safe append,
verification, repair), `checkpoint` (signed checkpoints), `proofs` (JSON
proof documents), `errors`.
"""

from .errors import LedgerError, ProofError
from .store import GENESIS_PREV, Ledger, TornTailError, append, append_entry, create, load, repair

__all__ = ["GENESIS_PREV", "Ledger", "LedgerError", "ProofError", "TornTailError", "append",
           "append_entry", "create", "load", "repair"]
