"""upel_codegen: generate one backend's sources from a spec's IR."""

load("//bazel:providers.bzl", "UpelCodegenInfo", "UpelSpecInfo")
load(":backends.bzl", "BACKENDS")
load(":common.bzl", "ACTION_ENV", "EXECUTION_REQUIREMENTS", "TOOL_ATTR")

def _upel_codegen_impl(ctx):
    spec = ctx.attr.spec[UpelSpecInfo]
    # The file set depends on the IR, so it is one tree artifact.
    out = ctx.actions.declare_directory(ctx.label.name)
    args = ctx.actions.args()
    args.add("codegen")
    args.add("--ir", spec.ir_json)
    args.add("--backend", ctx.attr.backend)
    args.add("--out", out.path)
    ctx.actions.run(
        executable = ctx.executable._tool,
        arguments = [args],
        inputs = [spec.ir_json],
        outputs = [out],
        env = ACTION_ENV,
        execution_requirements = EXECUTION_REQUIREMENTS,
        mnemonic = "UpelCodegen",
        progress_message = "Generating %s code for %s" % (ctx.attr.backend, ctx.attr.spec.label),
    )
    return [
        DefaultInfo(files = depset([out])),
        UpelCodegenInfo(backend = ctx.attr.backend, srcs = out, ir_digest = spec.ir_digest),
    ]

upel_codegen = rule(
    implementation = _upel_codegen_impl,
    doc = "Generates the sources of one backend for a upel_spec (a directory of files).",
    attrs = {
        "spec": attr.label(providers = [UpelSpecInfo], mandatory = True),
        # `values` makes Bazel reject a misspelt backend while loading, with a
        # one-line message naming the attribute.
        "backend": attr.string(mandatory = True, values = BACKENDS, doc = "one of: " + ", ".join(BACKENDS)),
        "_tool": TOOL_ATTR,
    },
)
