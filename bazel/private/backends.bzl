"""The backends and verification tools the rules accept.

Kept equal to upel/codegen/registry.py by tests/bazel/test_starlark_consistency.py.
"""

BACKENDS = ["python", "c", "rust", "verilog"]

# Verification tools of upel_verify: "interp" (the reference interpreter running
# vectors, contracts and properties) and the provers of upel/verify/registry.py.
VERIFY_TOOLS = ["interp", "smt", "coq", "wp", "eva", "cbmc", "yosys"]
