"""Verification stage: Frama-C verifiers of the C backend's output.

`wp` proves the ACSL contracts that backends/c puts on every generated
function (UPEL ensures, the set of statuses a function may return, the
requires checks) plus the absence of runtime errors (`-wp-rte`), with Z3
through Why3; `eva` runs the EVA abstract interpreter on one generated entry
point per function, over every input of the parameters' value sets, and
reports any alarm. `common` holds what both share: tool detection, the call
graph of the generated C, and evidence plumbing.
"""
