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

UpelRegistryInfo = provider(
    doc = "The operator registry of a set of specs (docs/schemas.md).",
    fields = {
        "registry": "File: the registry JSON (schemas/registry.schema.json): one entry per operator",
        "specs": "list of Labels: the upel_spec targets it was built from (their imports are included too)",
        "ir_digests": "list of Files: the IR digest file of each spec, in the order of `specs`",
    },
)

UpelBundleInfo = provider(
    doc = "A release bundle of one spec (docs/provenance.md).",
    fields = {
        "bundle": "File: a directory (tree artifact): src/, evidence/, ir/, registry.json, manifest.json and " +
                  "provenance.intoto.dsse.json (signed) or provenance.intoto.json (unsigned)",
        "signed": "bool: whether a key was configured (--action_env=UPEL_SIGNING_KEY) and the statement is signed",
        "backends": "list of strings: the backends whose generated sources the bundle holds",
        "tools": "list of strings: the verification tools whose evidence the bundle holds",
        "ir_digest": "File: the digest of the IR the bundle was made from",
    },
)
