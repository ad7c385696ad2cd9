"""`upel schema gate`: lock drift, --update, and the MAJOR-bump rule for breaking changes."""

from __future__ import annotations

import json
import shutil

import pytest

from upel.cli.main import main
from upel.trust import jcs
from upel.trust.schema import schemas_dir
from upel.trust.schema.gate import read_lock, run_gate

REAL = schemas_dir()


@pytest.fixture
def repo(tmp_path):
    """A copy of the meta-schema and the registry and evidence schemas, locked."""
    root = tmp_path / "schemas"
    for rel in ("meta/contract.schema.json", "registry.schema.json", "evidence.schema.json"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REAL / rel, root / rel)
    assert main(["schema", "gate", "--schemas", str(root), "--update"]) == 0
    return root


def edit(path, fn):
    doc = json.loads(path.read_text(encoding="utf-8"))
    fn(doc)
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")


def gate(root, *extra):
    return main(["schema", "gate", "--schemas", str(root), *extra])


def test_the_committed_lock_matches():
    res = run_gate(REAL, REAL / "schemas.lock.json")
    assert [c.path for c in res.changes] == [], "run `upel schema gate --update` and commit schemas.lock.json"


def test_lock_records_jcs_digests(repo):
    lock = read_lock(repo / "schemas.lock.json")
    assert sorted(lock["schemas"]) == ["evidence.schema.json", "meta/contract.schema.json", "registry.schema.json"]
    reg = json.loads((repo / "registry.schema.json").read_text())
    assert lock["schemas"]["registry.schema.json"]["digest"] == jcs.digest(reg)
    # Reformatting a schema changes its bytes, not its digest: no drift.
    (repo / "registry.schema.json").write_text(json.dumps(reg, indent=7, sort_keys=True))
    assert gate(repo) == 0


def test_drift_is_detected_and_named(repo, capsys):
    edit(repo / "registry.schema.json", lambda s: s["properties"]["operators"].update({"description": "Changed."}))
    capsys.readouterr()
    assert gate(repo) == 1
    err = capsys.readouterr().err
    assert "registry.schema.json: changed since" in err and "(PATCH; version 1.0.0 -> 1.0.0)" in err
    assert "DOC_CHANGED" in err and "/properties/operators/description" in err
    assert "upel schema gate --update" in err
    assert gate(repo, "--update") == 0
    assert gate(repo) == 0


def test_update_rewrites_the_lock(repo):
    before = (repo / "schemas.lock.json").read_bytes()
    edit(repo / "evidence.schema.json", lambda s: s["$defs"]["tool"]["enum"].append("kani"))
    assert gate(repo) == 1
    assert gate(repo, "--update") == 0
    after = (repo / "schemas.lock.json").read_bytes()
    assert after != before
    assert read_lock(repo / "schemas.lock.json")["schemas"]["evidence.schema.json"]["schema"]["$defs"]["tool"][
        "enum"][-1] == "kani"


def test_breaking_change_needs_a_major_bump(repo, capsys):
    lock = repo / "schemas.lock.json"
    before = lock.read_bytes()
    def drop_calls(s):
        s["$defs"]["operator"]["properties"].pop("calls")
        s["$defs"]["operator"]["required"].remove("calls")

    edit(repo / "registry.schema.json", drop_calls)
    capsys.readouterr()
    assert gate(repo, "--update") == 1
    err = capsys.readouterr().err
    assert "FIELD_NO_DELETE" in err and "/$defs/operator/properties/calls" in err
    assert "refused: breaking change without a MAJOR version bump (1.0.0 -> 1.0.0); bump to 2.0.0" in err
    assert lock.read_bytes() == before  # nothing written
    edit(repo / "registry.schema.json", lambda s: s.update({"x-upel-version": "1.1.0"}))
    assert gate(repo, "--update") == 1
    edit(repo / "registry.schema.json", lambda s: s.update({"x-upel-version": "2.0.0"}))
    assert gate(repo, "--update") == 0
    assert gate(repo) == 0


def test_added_and_removed_schemas_are_drift(repo, capsys):
    (repo / "evidence.schema.json").unlink()
    assert gate(repo) == 1
    assert "evidence.schema.json: schema was removed" in capsys.readouterr().err
    assert gate(repo, "--update") == 0
    shutil.copy(REAL / "ir.schema.json", repo / "ir.schema.json")
    assert gate(repo) == 1
    assert "ir.schema.json: new schema (version 1.0.0) is not in" in capsys.readouterr().err


def test_meta_schema_problems_block_the_gate(repo, capsys):
    edit(repo / "registry.schema.json", lambda s: s["properties"]["packages"].update({"$ref": "#/$defs/nope"}))
    capsys.readouterr()
    assert gate(repo, "--update") == 1
    err = capsys.readouterr().err
    assert "registry.schema.json: /properties/packages/$ref: unresolved $ref '#/$defs/nope'" in err


def test_a_hand_edited_lock_is_refused(repo, capsys):
    lock = repo / "schemas.lock.json"
    edit(lock, lambda d: d["schemas"]["registry.schema.json"]["schema"].update({"title": "x"}))
    assert gate(repo) == 1
    assert "does not match its digest; the lock was edited by hand" in capsys.readouterr().err
