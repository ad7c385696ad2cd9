"""upel_verify: run verification tools on a spec, one sandboxed action per tool.

Each tool is its own action, so its evidence is cached (locally and in the
remote cache) and re-runs only when the IR, the generated code it checks or
UPEL itself changes. Outputs per tool: `<name>.<tool>.evidence.json`
(schemas/evidence.schema.json, without durations so rebuilds are
byte-identical) and `<name>.<tool>.sarif`. Any obligation not proved (or
assumed with a justification in the spec) fails the action, naming the
obligation and the tool. Provers are host tools (z3, coqc, frama-c, cbmc,
yosys), so the actions are tagged to run locally, never on a remote
executor that may lack them.
"""

load("//bazel:providers.bzl", "UpelCodegenInfo", "UpelSpecInfo", "UpelVerifyInfo")
load(":backends.bzl", "VERIFY_TOOLS")
load(":common.bzl", "ACTION_ENV", "EXECUTION_REQUIREMENTS", "TOOL_ATTR")

# Which backend's generated code each code-level tool checks.
_TOOL_BACKEND = {"wp": "c", "eva": "c", "cbmc": "c", "yosys": "verilog"}

def _upel_verify_impl(ctx):
    spec = ctx.attr.spec[UpelSpecInfo]
    trees = {}
    for cg in ctx.attr.codegen:
        info = cg[UpelCodegenInfo]
        trees[info.backend] = info.srcs
    evidence = []
    outputs = []
    for tool in ctx.attr.tools:
        if tool not in VERIFY_TOOLS:
            fail("unknown verification tool %r; choose from %s" % (tool, ", ".join(VERIFY_TOOLS)), attr = "tools")
        if len([t for t in ctx.attr.tools if t == tool]) > 1:
            # Two actions would declare the same evidence file; say so plainly.
            fail("verification tool %r is listed twice" % tool, attr = "tools")
        out = ctx.actions.declare_file("%s.%s.evidence.json" % (ctx.label.name, tool))
        args = ctx.actions.args()
        args.add("verify")
        args.add("--ir", spec.ir_json)
        args.add("--tool", tool)
        args.add("--out", out)
        inputs = [spec.ir_json]
        outs = [out]
        if tool == "interp":
            args.add("--samples", ctx.attr.samples)
        else:
            sarif = ctx.actions.declare_file("%s.%s.sarif" % (ctx.label.name, tool))
            args.add("--sarif", sarif)
            args.add("--timeout", ctx.attr.timeout)
            outs.append(sarif)
            backend = _TOOL_BACKEND.get(tool)
            if backend and backend in trees:
                args.add("--gen-dir", "%s=%s" % (backend, trees[backend].path))
                inputs.append(trees[backend])
        reqs = dict(EXECUTION_REQUIREMENTS)
        if tool != "interp":
            reqs["no-remote-exec"] = ""
        ctx.actions.run(
            executable = ctx.executable._tool,
            arguments = [args],
            inputs = inputs,
            outputs = outs,
            env = ACTION_ENV,
            execution_requirements = reqs,
            mnemonic = "UpelVerify",
            progress_message = "Verifying %s with %s" % (ctx.attr.spec.label, tool),
        )
        evidence.append(out)
        outputs += outs
    return [
        DefaultInfo(files = depset(outputs)),
        UpelVerifyInfo(tools = list(ctx.attr.tools), evidence = evidence),
    ]

upel_verify = rule(
    implementation = _upel_verify_impl,
    doc = "Verifies a spec with each tool in `tools` (one cached action each); fails on any obligation not proved.",
    attrs = {
        "spec": attr.label(providers = [UpelSpecInfo], mandatory = True),
        "codegen": attr.label_list(
            providers = [UpelCodegenInfo],
            doc = "generated trees to check (c for wp/eva/cbmc, verilog for yosys); without them the tools generate their own copy",
        ),
        "tools": attr.string_list(default = ["interp"], doc = "from: " + ", ".join(VERIFY_TOOLS)),
        "samples": attr.int(default = 1000, doc = "random inputs per item (interp)"),
        "timeout": attr.int(default = 300, doc = "seconds per prover call"),
        "_tool": TOOL_ATTR,
    },
)
