"""upel_spec: parse and check one UPEL package, emit its IR and digest."""

load("//bazel:providers.bzl", "UpelSpecInfo")
load(":common.bzl", "ACTION_ENV", "EXECUTION_REQUIREMENTS", "TOOL_ATTR")

def _upel_spec_impl(ctx):
    deps = depset(transitive = [d[UpelSpecInfo].transitive_srcs for d in ctx.attr.deps])
    srcs = depset(ctx.files.srcs)
    name = ctx.label.name
    out_json = ctx.actions.declare_file(name + ".ir.json")
    out_cbor = ctx.actions.declare_file(name + ".ir.cbor")
    out_digest = ctx.actions.declare_file(name + ".ir.digest")
    args = ctx.actions.args()
    args.add("spec")
    args.add_all("--srcs", srcs)
    args.add_all("--deps", deps)
    args.add("--json", out_json)
    args.add("--cbor", out_cbor)
    args.add("--digest", out_digest)
    ctx.actions.run(
        executable = ctx.executable._tool,
        arguments = [args],
        inputs = depset(transitive = [srcs, deps]),
        outputs = [out_json, out_cbor, out_digest],
        env = ACTION_ENV,
        execution_requirements = EXECUTION_REQUIREMENTS,
        mnemonic = "UpelSpec",
        progress_message = "Checking UPEL spec %s" % ctx.label,
    )
    return [
        DefaultInfo(files = depset([out_json, out_cbor, out_digest])),
        UpelSpecInfo(
            srcs = srcs,
            transitive_srcs = depset(transitive = [srcs, deps]),
            ir_json = out_json,
            ir_cbor = out_cbor,
            ir_digest = out_digest,
        ),
    ]

upel_spec = rule(
    implementation = _upel_spec_impl,
    doc = "Checks the .upel files of one package (imports resolve through `deps`) and emits its IR.",
    attrs = {
        "srcs": attr.label_list(allow_files = [".upel"], mandatory = True, doc = "the files of one package"),
        "deps": attr.label_list(providers = [UpelSpecInfo], doc = "upel_spec targets of imported packages"),
        "_tool": TOOL_ATTR,
    },
)
