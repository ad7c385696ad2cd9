"""rules_upel end to end under real Bazel: offline builds from a vendored kit
with the network cut off, a shared HTTP remote cache (nginx) serving a second
checkout, deterministic outputs, and incremental rebuilds that run only what
an edit reaches.

Every build runs in a temporary copy of the workspace with its own output base
(never the developer's), and every Bazel server started here is shut down.
The offline kit and one reference build are made once per test run and shared
by the tests (and pytest-xdist workers) that need them. Tests assert counts,
never times; tools/bench_bazel.py reports the times in docs/performance.md.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

import pytest
from bazel_helpers import (
    REPO,
    Bazel,
    NginxCache,
    build_record,
    cache_flags,
    copy_workspace,
    diff_digests,
    edit_envelope,
    make_kit,
    offline_build,
    once,
    read_wheels,
    remove_output_base,
    repo_cache_flag,
    require,
    require_unshare,
    shared_root,
)

pytestmark = pytest.mark.slow

SPECS = ("units", "arinc429", "envelope")
PREFIX = "bazel-bin/specs/avionics/avionics_"


def generated_by(outputs: list[str], spec: str) -> tuple[list[str], list[str]]:
    """(backends, evidence files) of `spec` among the outputs of all_targets, as
    specs/avionics/BUILD.bazel configures them today."""
    mine = [o[len(PREFIX + spec) + 1:] for o in outputs if o.startswith(f"{PREFIX}{spec}_")]
    backends = [m for m in mine if "." not in m and not m.endswith(("_conformance", "_verify")) and m != "bundle"]
    evidence = [m for m in mine if m.startswith("verify.") and m.endswith(".evidence.json")]
    return backends, evidence


@pytest.fixture(scope="session")
def shared(tmp_path_factory) -> Path:
    require("bazel", "rules_upel under Bazel")
    return shared_root(tmp_path_factory)


@pytest.fixture(scope="session")
def kit(shared) -> Path:
    """tools/offline_kit.py's kit (fetched over the network, once per run)."""
    once(shared, "kit", lambda: make_kit(shared / "kit", log=lambda s: None))
    return shared / "kit"


@pytest.fixture(scope="session")
def reference(shared, kit) -> dict:
    """A clean build of //specs/avionics:all_targets. Where nginx is installed it
    also fills the shared HTTP remote cache (--config=cache; the cache's data
    stays in shared/remote_cache for the remote cache test). Its Bazel server
    stays up for the incremental test, which shuts it down (or --max_idle_secs
    does, if that test is deselected)."""

    def make():
        root = shared / "reference"
        bz = Bazel(copy_workspace(REPO, root / "rules_upel"), root / "ob")
        flags = [repo_cache_flag(kit)]
        cache = NginxCache(shared / "remote_cache").start() if shutil.which("nginx") else None
        if cache:
            flags += cache_flags(cache)
        try:
            rec = build_record(bz, bz.build(flags=tuple(flags)))
        except BaseException:
            bz.shutdown()
            raise
        finally:
            if cache:
                cache.stop()
        rec["uploaded"] = cache.entries() if cache else None
        return rec

    rec = once(shared, "reference", make)
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        # One process: nobody else can still need the server after this session.
        yield rec
        Bazel(Path(rec["workspace"]), Path(rec["output_base"])).shutdown()
    else:
        yield rec


@pytest.fixture(scope="session")
def offline(shared, kit) -> dict:
    """A clean build inside a network namespace with nothing but a loopback, from
    a fresh output base, at another path, with the wheels only from the kit."""
    require_unshare()

    def make():
        root = shared / "offline" / "another" / "place"
        bz = Bazel(copy_workspace(REPO, root / "rules_upel"), root / "ob")
        try:
            r, probes = offline_build(bz, kit)
            return {**build_record(bz, r), "probes": probes}
        finally:
            remove_output_base(bz)

    return once(shared, "offline", make)


def test_offline_kit_holds_every_wheel_content_addressed(kit):
    cas = kit / "repository_cache" / "content_addressable" / "sha256"
    wheels = read_wheels(REPO / "bazel" / "private" / "python_wheels.bzl")
    assert wheels, "python_wheels.bzl lists no wheels"
    missing = [w["file"] for w in wheels if not (cas / w["sha256"] / "file").is_file()]
    assert not missing, f"the kit lacks: {missing}"
    # Also laid out by name for --distdir.
    names = {p.name for p in (kit / "distdir").iterdir()}
    assert {w["url"].rsplit("/", 1)[-1] for w in wheels} <= names


def test_offline_build_from_the_kit_with_the_network_cut_off(offline, reference):
    probes = offline["probes"]
    # The namespace had no interface but the loopback, and nothing outside was reachable.
    assert probes["interfaces"] == ["lo"], probes
    for name in ("dns_pypi", "tcp_pypi_ip", "tcp_public_dns"):
        assert probes[name] != "connected", f"network reachable inside the namespace: {probes}"
    assert "Network is unreachable" in probes["tcp_pypi_ip"], probes
    # From a fresh output base it ran every tool action and produced every output.
    assert offline["outputs"] == reference["outputs"]
    assert offline["executed"] == reference["executed"], (offline["kinds"], reference["kinds"])
    backends, evidence = generated_by(offline["outputs"], "envelope")
    assert backends and evidence, offline["outputs"]


def test_clean_builds_are_deterministic(request, shared, kit, reference):
    """Two clean builds, different output bases and workspace paths: every output
    of all_targets, tree artifacts file by file, has the same digest. The second
    build is the offline one (it is clean too) where this machine can make it."""
    try:
        require_unshare()
        other = request.getfixturevalue("offline")
    except pytest.skip.Exception:  # no network namespaces here: a plain second clean build
        root = shared / "determinism" / "second" / "checkout"
        bz = Bazel(copy_workspace(REPO, root / "rules_upel"), root / "ob")
        try:
            other = build_record(bz, bz.build(flags=(repo_cache_flag(kit),)))
        finally:
            remove_output_base(bz)
    assert reference["workspace"] != other["workspace"]
    assert reference["output_base"] != other["output_base"]
    a, b = reference["digests"], other["digests"]
    trees = [k for k in a if k.split("/")[-2].endswith(("_python", "_verilog"))]
    assert len(trees) >= 2 * len(SPECS), f"tree artifacts not expanded: {sorted(a)}"
    assert a == b, "outputs differ between two clean builds:\n" + diff_digests(a, b)


def test_remote_cache_serves_a_second_checkout(shared, kit, reference, tmp_path, record_property):
    """The reference build (one checkout) filled the cache; a second checkout at
    another path, with a fresh output base, gets every tool action from it."""
    require("nginx", "the shared HTTP remote cache")
    stored = reference["uploaded"]
    assert stored is not None, "nginx was missing when the reference build ran"
    assert stored["ac"] >= reference["executed"] > 0, (stored, reference["kinds"])
    cache = NginxCache(shared / "remote_cache").start()  # the same data, a new server and port
    second = Bazel(copy_workspace(REPO, tmp_path / "laptop" / "src" / "rules_upel"), tmp_path / "laptop_ob")
    try:
        before = cache.requests()
        r = second.build(flags=(repo_cache_flag(kit), *cache_flags(cache)), exec_log=True)
        hit = build_record(second, r)
        kinds = hit["kinds"]
        record_property("remote_cache", kinds)
        # Every action that is not Bazel-internal was served by the cache ...
        assert kinds.get("remote cache hit", 0) == reference["executed"], (reference["kinds"], kinds)
        assert hit["executed"] == 0, f"actions ran locally despite the cache: {kinds}"
        # ... and so says the execution log, spawn by spawn.
        assert hit["spawns"], "the execution log is empty"
        misses = [s for s in hit["spawns"] if s["cacheable"] and not s["remote_cache_hit"]]
        assert not misses, f"cacheable spawns that missed: {misses}"
        # It only read (nothing ran, so nothing was uploaded).
        after = cache.requests()
        puts = {k: n - before.get(k, 0) for k, n in after.items() if k.startswith("PUT") and n != before.get(k, 0)}
        assert not puts, f"the second build uploaded: {puts}"
        # The outputs served by the cache are byte-identical to the reference build's.
        assert hit["digests"] == reference["digests"], diff_digests(reference["digests"], hit["digests"])
    finally:
        remove_output_base(second)
        cache.stop()


def test_null_and_incremental_builds_run_only_what_changed(reference, kit, record_property):
    bz = Bazel(Path(reference["workspace"]), Path(reference["output_base"]))
    flags = (repo_cache_flag(kit),)
    try:
        # Other flags than the reference build's (no remote cache), and maybe a
        # restarted server (the action cache is on disk): still nothing to run.
        warm = bz.build(flags=flags)
        assert warm.ok, warm.errors()
        assert warm.executed == 0, f"a no-change build after a server restart ran actions: {warm.process_kinds}"
        null = bz.build(flags=flags, exec_log=True)
        assert null.ok, null.errors()
        assert null.executed == 0 and not null.spawns, f"null build ran: {null.process_kinds} {null.spawns}"
        record_property("null_build_seconds", round(null.seconds, 2))

        edit_envelope(bz.workspace)
        inc = bz.build(flags=flags, exec_log=True)
        rec = build_record(bz, inc)
        record_property("incremental", rec["kinds"])
        ran = Counter(s["mnemonic"] for s in rec["spawns"])
        outputs = [o for s in rec["spawns"] for o in s["outputs"]]
        # Only envelope's spec action and what reads its IR: one codegen per
        # backend, one verify per tool, envelope's bundle and the system registry.
        backends, evidence = generated_by(reference["outputs"], "envelope")
        expected = Counter({"UpelSpec": 1, "UpelCodegen": len(backends), "UpelVerify": len(evidence),
                            "UpelBundle": 1, "UpelRegistry": 1})
        assert ran == expected, rec["spawns"]
        assert rec["executed"] == sum(expected.values()), rec["kinds"]
        # Every output of what ran belongs to an envelope target (codegen trees
        # also hold the imported units module: avionics_envelope_c/avionics_units.c).
        owners = {o.split("/specs/avionics/", 1)[1].split("/", 1)[0] for o in outputs}
        stray = {o for o in owners if not o.startswith(("envelope.ir.", "avionics_envelope_", "avionics_registry"))}
        assert not stray, f"actions of other targets ran: {sorted(stray)}"
        # Outputs of the untouched specs are the reference build's; envelope's IR changed.
        before, after = reference["digests"], rec["digests"]
        untouched = [k for k in before if k.split("/")[2].startswith(
            ("units.", "arinc429.", "avionics_units_", "avionics_arinc429_"))]
        assert untouched, sorted(before)
        changed = [k for k in untouched if after.get(k) != before[k]]
        assert not changed, f"outputs of untouched specs changed: {changed}"
        assert after["specs/avionics/envelope.ir.json"] != before["specs/avionics/envelope.ir.json"]
    finally:
        bz.shutdown()
