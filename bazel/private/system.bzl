"""upel_system: every target of a spec system, and an `all_targets` group."""

load(":bundle.bzl", "upel_bundle")
load(":codegen.bzl", "upel_codegen")
load(":conformance.bzl", "upel_conformance_test")
load(":registry.bzl", "upel_registry")
load(":verify.bzl", "upel_verify")

def upel_system(name, specs, backends = ["python"], verify_tools = ["interp"], verify_tools_by_spec = {}, samples = 1000, group = "all_targets", visibility = None, verify_timeout = 300):
    """For each spec: codegen and a conformance test per backend, verification, a release bundle.

    Args:
      name: prefix of the generated target names.
      specs: upel_spec labels (local, like ":units").
      backends: backends to generate and test.
      verify_tools: tools for upel_verify of every spec.
      verify_tools_by_spec: more tools for some specs ({":envelope": ["wp"]}), for the
        provers that prove everything in those specs but not yet in the others.
      samples: random inputs per operator in conformance tests and verification.
      verify_timeout: seconds per prover call in upel_verify.
      group: name of the filegroup holding every target (default "all_targets").
      visibility: visibility of the generated targets.
    """
    members = []
    for spec in specs:
        base = "%s_%s" % (name, spec.lstrip(":").replace("/", "_").replace(":", "_"))
        for backend in backends:
            upel_codegen(name = "%s_%s" % (base, backend), spec = spec, backend = backend, visibility = visibility)
            upel_conformance_test(
                name = "%s_%s_conformance" % (base, backend),
                spec = spec,
                backend = backend,
                samples = samples,
                size = "medium",
            )
            members += [":%s_%s" % (base, backend), ":%s_%s_conformance" % (base, backend)]
        # Code-level provers check the very trees the codegen targets produce.
        upel_verify(
            name = base + "_verify",
            spec = spec,
            codegen = [":%s_%s" % (base, b) for b in backends if b in ("c", "verilog")],
            tools = verify_tools + [t for t in verify_tools_by_spec.get(spec, []) if t not in verify_tools],
            samples = samples,
            timeout = verify_timeout,
            visibility = visibility,
        )
        # The release bundle of this spec (signed only with --action_env=UPEL_SIGNING_KEY).
        upel_bundle(
            name = base + "_bundle",
            spec = spec,
            codegen = [":%s_%s" % (base, b) for b in backends],
            verify = ":%s_verify" % base,
            visibility = visibility,
        )
        members += [spec, ":%s_verify" % base, ":%s_bundle" % base]
    # One operator registry for the whole system: every spec and its imports.
    upel_registry(name = name + "_registry", specs = specs, visibility = visibility)
    members.append(":%s_registry" % name)
    # testonly: the group includes the conformance tests, so that building it
    # builds their executables too (`bazel test` then runs them).
    native.filegroup(name = group, srcs = members, testonly = True, visibility = visibility)
