"""Starlark analysis tests of rules_upel: providers, outputs and action argv.

Bazel 4.2 has analysis-test rules (`analysis_test = True`) but not skylib
offline, so these few helpers are written here: each test inspects the
target under test at analysis time and returns AnalysisTestResultInfo.
"""

load("//bazel:providers.bzl", "UpelCodegenInfo", "UpelRegistryInfo", "UpelSpecInfo", "UpelVerifyInfo")

def _result(errors):
    return [AnalysisTestResultInfo(success = not errors, message = "\n".join(errors))]

def _argv(target, mnemonic):
    for a in target.actions:
        if a.mnemonic == mnemonic:
            return a.argv
    return None

def _spec_test_impl(ctx):
    t = ctx.attr.target_under_test
    errors = []
    info = t[UpelSpecInfo]
    srcs = sorted([f.short_path for f in info.transitive_srcs.to_list()])
    if srcs != sorted(ctx.attr.transitive_srcs):
        errors.append("transitive_srcs: got %s, want %s" % (srcs, sorted(ctx.attr.transitive_srcs)))
    outs = sorted([f.basename for f in t[DefaultInfo].files.to_list()])
    want = sorted([t.label.name + ext for ext in [".ir.json", ".ir.cbor", ".ir.digest"]])
    if outs != want:
        errors.append("outputs: got %s, want %s" % (outs, want))
    argv = _argv(t, "UpelSpec")
    if argv == None:
        errors.append("no UpelSpec action")
    else:
        if argv[1] != "spec" or "--srcs" not in argv:
            errors.append("argv of UpelSpec: %s" % argv)
        has_deps = len(ctx.attr.transitive_srcs) > len(info.srcs.to_list())
        if has_deps != ("--deps" in argv):
            errors.append("--deps must be passed exactly when the spec has deps: %s" % argv)
        for dep in ctx.attr.transitive_srcs:
            if dep not in " ".join(argv):
                errors.append("argv does not pass %s: %s" % (dep, argv))
    for a in t.actions:
        if a.mnemonic == "UpelSpec":
            if a.env.get("PATH") != "/usr/bin:/bin" or "HOME" in a.env:
                errors.append("action env is not the fixed one: %s" % a.env)
    return _result(errors)

spec_test = rule(
    implementation = _spec_test_impl,
    analysis_test = True,
    attrs = {
        "target_under_test": attr.label(mandatory = True),
        "transitive_srcs": attr.string_list(doc = "short paths of every .upel file expected"),
    },
)

def _codegen_test_impl(ctx):
    t = ctx.attr.target_under_test
    errors = []
    info = t[UpelCodegenInfo]
    if info.backend != ctx.attr.backend:
        errors.append("backend: got %s, want %s" % (info.backend, ctx.attr.backend))
    if not info.srcs.is_directory:
        errors.append("srcs is not a tree artifact")
    argv = _argv(t, "UpelCodegen")
    if argv == None or argv[1:3] != ["codegen", "--ir"] or argv[-4:-2] != ["--backend", ctx.attr.backend]:
        errors.append("argv of UpelCodegen: %s" % argv)
    return _result(errors)

codegen_test = rule(
    implementation = _codegen_test_impl,
    analysis_test = True,
    attrs = {
        "target_under_test": attr.label(mandatory = True),
        "backend": attr.string(mandatory = True),
    },
)

def _verify_test_impl(ctx):
    t = ctx.attr.target_under_test
    info = t[UpelVerifyInfo]
    errors = []
    if info.tools != ctx.attr.tools:
        errors.append("tools: got %s" % info.tools)
    names = [f.basename for f in info.evidence]
    want = ["%s.%s.evidence.json" % (t.label.name, tool) for tool in ctx.attr.tools]
    if names != want:
        errors.append("evidence: got %s, want %s" % (names, want))
    if len([a for a in t.actions if a.mnemonic == "UpelVerify"]) != len(ctx.attr.tools):
        errors.append("want one UpelVerify action per tool")
    outs = [f.basename for f in t[DefaultInfo].files.to_list()]
    for tool in ctx.attr.tools:
        # Every prover run also leaves a SARIF file for code-scanning UIs.
        sarif = "%s.%s.sarif" % (t.label.name, tool)
        if tool != "interp" and sarif not in outs:
            errors.append("missing %s in outputs %s" % (sarif, outs))
    return _result(errors)

verify_test = rule(
    implementation = _verify_test_impl,
    analysis_test = True,
    attrs = {
        "target_under_test": attr.label(mandatory = True),
        "tools": attr.string_list(mandatory = True),
    },
)

def _registry_test_impl(ctx):
    t = ctx.attr.target_under_test
    info = t[UpelRegistryInfo]
    errors = []
    if info.registry.basename != t.label.name + ".registry.json":
        errors.append("registry: got %s" % info.registry.basename)
    if [f.basename for f in t[DefaultInfo].files.to_list()] != [info.registry.basename]:
        errors.append("outputs: got %s" % t[DefaultInfo].files.to_list())
    specs = ["//%s:%s" % (s.package, s.name) for s in info.specs]
    if specs != ctx.attr.specs:
        errors.append("specs: got %s, want %s" % (specs, ctx.attr.specs))
    actions = [a for a in t.actions if a.mnemonic == "UpelRegistry"]
    if len(actions) != 1:
        errors.append("want one UpelRegistry action, got %d" % len(actions))
    else:
        argv = actions[0].argv
        irs = [a for a in argv if a.endswith(".ir.json")]
        if argv[1:3] != ["registry", "--ir"] or len(irs) != len(ctx.attr.specs) or argv[-2] != "--out":
            errors.append("argv of UpelRegistry: %s" % argv)
        if actions[0].env.get("PATH") != "/usr/bin:/bin":
            errors.append("action env is not the fixed one: %s" % actions[0].env)
    return _result(errors)

registry_test = rule(
    implementation = _registry_test_impl,
    analysis_test = True,
    attrs = {
        "target_under_test": attr.label(mandatory = True),
        "specs": attr.string_list(mandatory = True, doc = "labels of the specs, as strings"),
    },
)
