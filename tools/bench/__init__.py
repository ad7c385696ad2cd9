"""UPEL benchmark harness (issue 7): `python -m tools.bench [--quick] [--only ...]`.

Modules: `common` (machine, tool versions, medians, subprocess timing),
`kernels` (generated vs hand-written C / Rust / Python on three spec
kernels, checksums asserted equal), `protoc` (generator throughput against
protoc), `scaling` (front end and generation at 100 / 1,000 / 10,000
operators), `report` (targets, table, docs/performance.md section).
"""
