"""UPEL: one specification, verified code for many targets.

Stages (each a subpackage, data flows one way): `syntax` (text -> AST),
`check` (AST -> typed IR), `ir` (model, canonical encoding, digest, schema),
`interp` (the reference interpreter), `cli` (the `upel` command).
"""

__version__ = "0.1.0"
