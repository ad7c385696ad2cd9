"""Trust layer: keys, signed provenance, the audit ledger, schema gate, registry.

Everything here runs locally (never on a remote executor) and follows the
hard-to-misuse rule of architecture.md: verification raises, it never
returns False; keys and time are passed in, never read from the repo.
"""
