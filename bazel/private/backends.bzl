"""The backends and verification tools the rules accept.

Kept equal to upel/codegen/registry.py by tests/bazel/test_starlark_consistency.py.
"""

BACKENDS = ["python", "c", "rust", "verilog"]

# Verification tools: the attribute surface of upel_verify. Only "interp"
# (the reference interpreter running vectors, contracts and properties) is
# wired today; the provers arrive with the verification issue.
VERIFY_TOOLS = ["interp", "smt", "coq", "wp", "eva", "cbmc", "yosys"]
VERIFY_TOOLS_AVAILABLE = ["interp", "smt", "cbmc", "coq"]
