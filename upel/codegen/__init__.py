"""Codegen stage: the backend registry, the generation driver, the vector
and differential harness protocol, and the conformance runner.

Backends themselves live in `backends/<lang>/` and `hdl/<lang>/` and read
only the IR; see docs/backends.md for the contract every backend follows.
"""
