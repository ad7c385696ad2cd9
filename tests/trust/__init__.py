"""Trust layer tests: keys, DSSE, bundles, provenance, ledger, registry."""
