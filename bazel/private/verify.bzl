"""upel_verify: run verification tools on a spec, one sandboxed action per tool."""

load("//bazel:providers.bzl", "UpelSpecInfo", "UpelVerifyInfo")
load(":backends.bzl", "VERIFY_TOOLS", "VERIFY_TOOLS_AVAILABLE")
load(":common.bzl", "ACTION_ENV", "EXECUTION_REQUIREMENTS", "TOOL_ATTR")

def _upel_verify_impl(ctx):
    spec = ctx.attr.spec[UpelSpecInfo]
    evidence = []
    for tool in ctx.attr.tools:
        if tool not in VERIFY_TOOLS:
            fail("unknown verification tool %r; choose from %s" % (tool, ", ".join(VERIFY_TOOLS)), attr = "tools")
        if tool not in VERIFY_TOOLS_AVAILABLE:
            fail("verification tool %r is not wired yet (available: %s)" % (tool, ", ".join(VERIFY_TOOLS_AVAILABLE)), attr = "tools")
        out = ctx.actions.declare_file("%s.%s.evidence.json" % (ctx.label.name, tool))
        args = ctx.actions.args()
        args.add("verify")
        args.add("--ir", spec.ir_json)
        args.add("--tool", tool)
        args.add("--samples", ctx.attr.samples)
        args.add("--out", out)
        ctx.actions.run(
            executable = ctx.executable._tool,
            arguments = [args],
            inputs = [spec.ir_json],
            outputs = [out],
            env = ACTION_ENV,
            execution_requirements = EXECUTION_REQUIREMENTS,
            mnemonic = "UpelVerify",
            progress_message = "Verifying %s with %s" % (ctx.attr.spec.label, tool),
        )
        evidence.append(out)
    return [
        DefaultInfo(files = depset(evidence)),
        UpelVerifyInfo(tools = list(ctx.attr.tools), evidence = evidence),
    ]

upel_verify = rule(
    implementation = _upel_verify_impl,
    doc = "Verifies a spec with each tool in `tools` (one cached action each); fails on any failed obligation.",
    attrs = {
        "spec": attr.label(providers = [UpelSpecInfo], mandatory = True),
        "tools": attr.string_list(default = ["interp"], doc = "from: " + ", ".join(VERIFY_TOOLS)),
        "samples": attr.int(default = 1000, doc = "random inputs per item (interp)"),
        "_tool": TOOL_ATTR,
    },
)
