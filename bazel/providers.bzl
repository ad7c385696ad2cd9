"""Providers of rules_upel. Every field is documented; rules return exactly these."""

UpelSpecInfo = provider(
    doc = "A checked UPEL package and its IR.",
    fields = {
        "srcs": "depset of this package's .upel files",
        "transitive_srcs": "depset of the .upel files of this package and every package it imports",
        "ir_json": "File: the IR document (JSON, with source locations)",
        "ir_cbor": "File: the same document in canonical CBOR",
        "ir_digest": "File: `sha256:<hex>` of the IR's semantic view (docs/ir.md)",
    },
)

UpelCodegenInfo = provider(
    doc = "Generated sources of one backend for one spec.",
    fields = {
        "backend": "string: the backend name (see bazel/private/backends.bzl)",
        "srcs": "File: a directory (tree artifact) holding the generated files",
        "ir_digest": "File: the digest of the IR the sources were generated from",
    },
)

UpelVerifyInfo = provider(
    doc = "Verification evidence for one spec.",
    fields = {
        "tools": "list of strings: the tools that ran",
        "evidence": "list of Files: one evidence record (JSON) per tool",
    },
)
