"""upel_registry: the operator registry of a set of specs (docs/schemas.md).

One action reads the IR of every spec in `specs` (each already checked by
its upel_spec) and writes `<name>.registry.json`: one entry per operator of
those packages and their imports, with signature, declared errors,
determinism class, schema digests, contract digests and requirement ids
(schemas/registry.schema.json). The action fails, naming file:line:col,
when an operator a vector, property or another operator references does
not resolve in the registry. The output depends on the IR only (no paths,
no times), so it is cached and byte-identical across machines.
"""

load("//bazel:providers.bzl", "UpelRegistryInfo", "UpelSpecInfo")
load(":common.bzl", "ACTION_ENV", "EXECUTION_REQUIREMENTS", "TOOL_ATTR")

def _upel_registry_impl(ctx):
    irs = [s[UpelSpecInfo].ir_json for s in ctx.attr.specs]
    out = ctx.actions.declare_file(ctx.label.name + ".registry.json")
    args = ctx.actions.args()
    args.add("registry")
    args.add_all("--ir", irs)
    args.add("--out", out)
    ctx.actions.run(
        executable = ctx.executable._tool,
        arguments = [args],
        inputs = irs,
        outputs = [out],
        env = ACTION_ENV,
        execution_requirements = EXECUTION_REQUIREMENTS,
        mnemonic = "UpelRegistry",
        progress_message = "Writing the operator registry %s" % ctx.label,
    )
    return [
        DefaultInfo(files = depset([out])),
        UpelRegistryInfo(
            registry = out,
            specs = [s.label for s in ctx.attr.specs],
            ir_digests = [s[UpelSpecInfo].ir_digest for s in ctx.attr.specs],
        ),
    ]

upel_registry = rule(
    implementation = _upel_registry_impl,
    doc = "Writes the operator registry (JSON) of the packages of `specs` and their imports.",
    attrs = {
        "specs": attr.label_list(providers = [UpelSpecInfo], mandatory = True, allow_empty = False,
                                 doc = "upel_spec targets whose operators the registry lists"),
        "_tool": TOOL_ATTR,
    },
)
