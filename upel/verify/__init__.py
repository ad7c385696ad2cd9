"""Verification stage: proof obligations, tool runs and evidence.

`obligations` enumerates what must be proved from the IR alone;
`registry` names the verifier of each tool (`proofs/<tool>`, `hdl/verilog`);
`context` is what a verifier gets (IR, generated code, a work directory, a
process runner with timeouts); `evidence` is the record every verifier
returns (one per tool and obligation), its JSON Schema and SARIF output;
`driver` runs the tools and applies the strict policy. See
docs/verification.md.
"""
