"""upel_bundle: a spec's generated sources, evidence and IR as a (signed) release bundle.

One action lays out the outputs other rules already made (codegen trees,
verification evidence, the IR) as a bundle directory (a tree artifact) with
`manifest.json` and an in-toto Statement v1 / SLSA Provenance v1
(docs/provenance.md).

Signing key: never in the repository, never in a BUILD file. The user names
it on the command line, as an absolute path or as env:NAME:

    bazel build --action_env=UPEL_SIGNING_KEY=/home/me/keys/release //specs/medtech:all_targets
    bazel build --action_env=UPEL_SIGNING_KEY=env:UPEL_KEY_PEM --action_env=UPEL_KEY_PEM ...

With a key the action writes `provenance.intoto.dsse.json` (DSSE, Ed25519)
and is tagged:
  - `no-remote`: it never runs on a remote executor and its result never
    goes to the remote cache. `no-remote-exec` alone would keep the signing
    local, but the action's Command (with an env:NAME key's PEM in its
    environment) would still be uploaded with a cached result.
  - `no-cache`: the key file is outside the workspace, so Bazel cannot see
    its content; a cached signature could silently belong to a rotated key.
    Re-signing is cheap (hashing plus one Ed25519 signature).
Without a key it writes the bare statement `provenance.intoto.json`, says
UNSIGNED in the build output, and is an ordinary cacheable action.
"""

load("//bazel:providers.bzl", "UpelBundleInfo", "UpelCodegenInfo", "UpelSpecInfo", "UpelVerifyInfo")
load(":common.bzl", "ACTION_ENV", "EXECUTION_REQUIREMENTS", "TOOL_ATTR")

KEY_VAR = "UPEL_SIGNING_KEY"

def _key_setup(ctx):
    """(key reference or None, extra action env) from --action_env=UPEL_SIGNING_KEY."""
    shell_env = ctx.configuration.default_shell_env
    ref = shell_env.get(KEY_VAR, "")
    if not ref:
        return None, {}
    if ref.startswith("env:"):
        var = ref[len("env:"):]
        if not shell_env.get(var):
            fail("%s=%s names environment variable %s; pass it to actions too: --action_env=%s" % (KEY_VAR, ref, var, var))
        return ref, {var: shell_env[var]}
    if not ref.startswith("/"):
        # Actions run in a sandboxed execroot: a relative path would not name the user's file.
        fail("%s must be an absolute path or env:NAME, got %r" % (KEY_VAR, ref))
    return ref, {}

def _upel_bundle_impl(ctx):
    spec = ctx.attr.spec[UpelSpecInfo]
    out = ctx.actions.declare_directory(ctx.label.name)
    args = ctx.actions.args()
    args.add("bundle")
    args.add("--ir", spec.ir_json)
    args.add("--out", out.path)
    args.add_all(spec.transitive_srcs, before_each = "--src")
    inputs = [spec.ir_json]
    backends = []
    for cg in ctx.attr.codegen:
        info = cg[UpelCodegenInfo]
        args.add("--gen", "%s=%s" % (info.backend, info.srcs.path))
        inputs.append(info.srcs)
        backends.append(info.backend)
    tools = []
    if ctx.attr.verify:
        info = ctx.attr.verify[UpelVerifyInfo]
        tools = list(info.tools)
        for tool, ev in zip(info.tools, info.evidence):
            args.add("--evidence", "%s.evidence.json=%s" % (tool, ev.path))
            inputs.append(ev)
        # SARIF logs are not in the provider; they are the verify target's other outputs.
        for f in ctx.attr.verify[DefaultInfo].files.to_list():
            for tool in info.tools:
                if f.basename.endswith(".%s.sarif" % tool):
                    args.add("--evidence", "%s.sarif=%s" % (tool, f.path))
                    inputs.append(f)
    key_ref, key_env = _key_setup(ctx)
    reqs = dict(EXECUTION_REQUIREMENTS)
    env = dict(ACTION_ENV)
    if key_ref:
        args.add("--key", key_ref)
        env.update(key_env)
        reqs["no-remote"] = ""
        reqs["no-cache"] = ""
    ctx.actions.run(
        executable = ctx.executable._tool,
        arguments = [args],
        inputs = depset(inputs, transitive = [spec.transitive_srcs]),
        outputs = [out],
        env = env,
        execution_requirements = reqs,
        mnemonic = "UpelBundle",
        progress_message = "%s release bundle of %s" % ("Signing" if key_ref else "Assembling (UNSIGNED)", ctx.attr.spec.label),
    )
    return [
        DefaultInfo(files = depset([out])),
        UpelBundleInfo(
            bundle = out,
            signed = bool(key_ref),
            backends = backends,
            tools = tools,
            ir_digest = spec.ir_digest,
        ),
    ]

upel_bundle = rule(
    implementation = _upel_bundle_impl,
    doc = "A release bundle (sources, evidence, IR, registry, manifest, in-toto/SLSA statement) of one spec; " +
          "signed when --action_env=UPEL_SIGNING_KEY names a key, unsigned otherwise.",
    attrs = {
        "spec": attr.label(providers = [UpelSpecInfo], mandatory = True),
        "codegen": attr.label_list(providers = [UpelCodegenInfo], doc = "generated trees to include (one per backend)"),
        "verify": attr.label(providers = [UpelVerifyInfo], doc = "the upel_verify target whose evidence to include"),
        "_tool": TOOL_ATTR,
    },
)
