"""`upel schema diff`: one table row per rule, on raw schemas and on two versions of a small spec."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest

from upel.cli.main import main
from upel.trust.schema import DRAFT
from upel.trust.schema.diff import classify, diff_schemas, version_problem

SHOP = Path(__file__).parent / "testdata" / "shop"

BASE = {
    "$schema": DRAFT,
    "$id": "https://upel.dev/schemas/test/order.schema.json",
    "title": "Order",
    "description": "An order.",
    "x-upel-version": "1.0.0",
    "type": "object",
    "required": ["qty", "kind"],
    "additionalProperties": False,
    "properties": {
        "qty": {"type": "integer", "minimum": 0, "maximum": 99},
        "kind": {"$ref": "#/$defs/Kind"},
        "note": {"type": "string", "maxLength": 20},
        "lines": {"type": "array", "items": {"type": "integer"}, "minItems": 4, "maxItems": 4},
    },
    "$defs": {"Kind": {"type": "integer", "enum": [0, 1, 2], "x-upel-members": {"a": 0, "b": 1, "c": 2}}},
}


def _edit(fn):
    s = copy.deepcopy(BASE)
    fn(s)
    return s


P = BASE["properties"]

# (id, change, level, rule, pointer)
CASES = [
    ("identical", lambda s: None, "NONE", None, None),
    ("field removed", lambda s: s["properties"].pop("note"), "MAJOR", "FIELD_NO_DELETE", "/properties/note"),
    ("field renamed", lambda s: s["properties"].update({"memo": s["properties"].pop("note")}),
     "MAJOR", "FIELD_SAME_JSON_NAME", "/properties/memo"),
    ("field retyped", lambda s: s["properties"]["qty"].update({"type": "string"}),
     "MAJOR", "FIELD_SAME_TYPE", "/properties/qty/type"),
    ("ref retargeted to another type", lambda s: s["properties"].update({"kind": {"type": "boolean"}}),
     "MAJOR", "FIELD_SAME_TYPE", "/properties/kind/type"),
    ("enum narrowed", lambda s: s["$defs"]["Kind"].update({"enum": [0, 1]}),
     "MAJOR", "ENUM_VALUE_NO_DELETE", "/$defs/Kind/enum"),
    ("new required field", lambda s: (s["properties"].update({"id": {"type": "integer"}}), s["required"].append("id")),
     "MAJOR", "FIELD_NEW_REQUIRED", "/properties/id"),
    ("optional field became required", lambda s: s["required"].append("note"),
     "MAJOR", "FIELD_NOW_REQUIRED", "/required"),
    ("range narrowed (max)", lambda s: s["properties"]["qty"].update({"maximum": 50}),
     "MAJOR", "RANGE_NO_NARROW", "/properties/qty/maximum"),
    ("range narrowed (min)", lambda s: s["properties"]["qty"].update({"minimum": 1}),
     "MAJOR", "RANGE_NO_NARROW", "/properties/qty/minimum"),
    ("array length changed", lambda s: s["properties"]["lines"].update({"minItems": 5, "maxItems": 5}),
     "MAJOR", "LENGTH_NO_NARROW", "/properties/lines/minItems"),
    ("pattern added", lambda s: s["properties"]["note"].update({"pattern": "^a"}),
     "MAJOR", "PATTERN_SAME", "/properties/note/pattern"),
    ("definition added", lambda s: s["$defs"].update({"Open": {"type": "object", "required": [],
                                                            "additionalProperties": False}}),
     "MINOR", "DEFINITION_ADDED", "/$defs/Open"),
    ("definition removed", lambda s: s["$defs"].pop("Kind") and s["properties"].pop("kind"),
     "MAJOR", "DEFINITION_NO_DELETE", "/$defs/Kind"),
    ("$id changed", lambda s: s.update({"$id": "https://upel.dev/schemas/test/other.json"}),
     "MAJOR", "ID_SAME", "/$id"),
    ("optional field added", lambda s: s["properties"].update({"memo": {"type": "string"}}),
     "MINOR", "FIELD_ADDED_OPTIONAL", "/properties/memo"),
    ("required field became optional", lambda s: s["required"].remove("kind"),
     "MINOR", "FIELD_NOW_OPTIONAL", "/required"),
    ("enum value added", lambda s: s["$defs"]["Kind"].update({"enum": [0, 1, 2, 3]}),
     "MINOR", "ENUM_VALUE_ADDED", "/$defs/Kind/enum"),
    ("range widened", lambda s: s["properties"]["qty"].update({"maximum": 255}),
     "MINOR", "RANGE_WIDENED", "/properties/qty/maximum"),
    ("length widened", lambda s: s["properties"]["note"].update({"maxLength": 40}),
     "MINOR", "LENGTH_WIDENED", "/properties/note/maxLength"),
    ("type widened", lambda s: s["properties"]["note"].update({"type": ["string", "null"]}),
     "MINOR", "TYPE_WIDENED", "/properties/note/type"),
    ("description changed", lambda s: s.update({"description": "An order, better said."}),
     "PATCH", "DOC_CHANGED", "/description"),
    ("field doc added", lambda s: s["properties"]["qty"].update({"description": "How many."}),
     "PATCH", "DOC_CHANGED", "/properties/qty/description"),
    ("enum member renamed (JSON carries the value)",
     lambda s: s["$defs"]["Kind"].update({"x-upel-members": {"a": 0, "b": 1, "z": 2}}),
     "PATCH", "DOC_CHANGED", "/$defs/Kind/x-upel-members"),
    ("version only", lambda s: s.update({"x-upel-version": "1.0.1"}), "NONE", None, None),
]


@pytest.mark.parametrize(("change", "level", "rule", "pointer"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_raw_schema_rules(change, level, rule, pointer):
    findings = diff_schemas(BASE, _edit(change))
    assert classify(findings) == level, [f.line() for f in findings]
    if rule:
        assert (rule, pointer) in {(f.rule, f.pointer) for f in findings}, [f.line() for f in findings]


def test_identical_definitions_behind_a_new_ref_are_no_change():
    new = _edit(lambda s: (s["$defs"].update({"Kind2": copy.deepcopy(s["$defs"]["Kind"])}),
                           s["properties"]["kind"].update({"$ref": "#/$defs/Kind2"})))
    assert classify(diff_schemas(BASE, new)) == "MINOR"  # only the new definition


@pytest.mark.parametrize(("old", "new", "level", "ok"), [
    ("1.0.0", "2.0.0", "MAJOR", True), ("1.4.2", "1.5.0", "MAJOR", False), ("0.3.0", "0.4.0", "MAJOR", False),
    ("1.0.0", "1.1.0", "MINOR", True), ("1.0.0", "1.0.0", "PATCH", True), ("2.0.0", "1.9.0", "MINOR", False),
])
def test_version_rule(old, new, level, ok):
    assert (version_problem(old, new, level) is None) == ok


# ---- two versions of a spec -----------------------------------------------------------


def _spec(tmp_path, name, edit=None, version=None):
    dest = tmp_path / name / "shop"
    shutil.copytree(SHOP, dest)
    cart = dest / "cart.upel"
    text = cart.read_text(encoding="utf-8")
    if edit:
        text = edit(text)
    if version:
        text = text.replace('version "1.0.0"', f'version "{version}"')
    cart.write_text(text, encoding="utf-8")
    return cart


SPEC_CASES = [
    ("no change", lambda t: t, None, "NONE", None, 0),
    ("doc only", lambda t: t.replace("/// One line of a cart.", "/// One line of a shopping cart."), None,
     "PATCH", "DOC_CHANGED", 0),
    ("enum value added", lambda t: t.replace("toy = 1 }", "toy = 1, game = 2 }"), "1.1.0", "MINOR",
     "ENUM_VALUE_ADDED", 0),
    ("range widened", lambda t: t.replace("0..=99", "0..=200"), "1.1.0", "MINOR", "RANGE_WIDENED", 0),
    ("range narrowed without a bump", lambda t: t.replace("0..=99", "0..=50"), None, "MAJOR", "RANGE_NO_NARROW", 1),
    ("range narrowed with a MAJOR bump", lambda t: t.replace("0..=99", "0..=50"), "2.0.0", "MAJOR",
     "RANGE_NO_NARROW", 0),
    ("enum value removed", lambda t: t.replace("enum Kind: u2 { book = 0, toy = 1 }", "enum Kind: u2 { book = 0 }")
     .replace("kind: Kind.toy", "kind: Kind.book"), None, "MAJOR", "ENUM_VALUE_NO_DELETE", 1),
    ("field renamed", lambda t: t.replace("price: u16", "cost: u16").replace("i.price", "i.cost")
     .replace("price: 3", "cost: 3"), "2.0.0", "MAJOR", "FIELD_SAME_JSON_NAME", 0),
    ("field retyped", lambda t: t.replace("price: u16", "price: bool").replace("i.price > 0", "i.price")
     .replace("(i.price as u32)", "1").replace("price: 3", "price: true"), None, "MAJOR", "FIELD_SAME_TYPE", 1),
    ("new required field", lambda t: t.replace("price: u16,", "price: u16,\n  gift: bool,")
     .replace("price: 3 }", "price: 3, gift: false }"), None, "MAJOR", "FIELD_NEW_REQUIRED", 1),
]


@pytest.mark.parametrize(("edit", "version", "level", "rule", "rc"), [c[1:] for c in SPEC_CASES],
                         ids=[c[0] for c in SPEC_CASES])
def test_spec_versions(tmp_path, capsys, edit, version, level, rule, rc):
    old = _spec(tmp_path, "old")
    new = _spec(tmp_path, "new", edit, version)
    assert main(["schema", "diff", str(old), str(new), "--json"]) == rc
    report = json.loads(capsys.readouterr().out)
    (cart,) = [r for r in report["results"] if r["name"] == "shop.cart"]
    assert cart["level"] == level
    if rule:
        assert rule in {f["rule"] for f in cart["findings"]}, cart["findings"]
    assert (cart["refused"] is None) == (rc == 0)


def test_spec_diff_human_output_names_rule_and_pointer(tmp_path, capsys):
    old = _spec(tmp_path, "old")
    new = _spec(tmp_path, "new", lambda t: t.replace("0..=99", "0..=50"))
    assert main(["schema", "diff", str(old), str(new)]) == 1
    out = capsys.readouterr().out
    assert "shop.cart: MAJOR (1.0.0 -> 1.0.0)" in out
    assert "RANGE_NO_NARROW" in out and "/$defs/Qty/maximum" in out
    assert "breaking change without a MAJOR version bump" in out


def test_schema_files_through_the_cli(tmp_path, capsys):
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(BASE))
    new.write_text(json.dumps(_edit(lambda s: s["properties"].pop("note"))))
    assert main(["schema", "diff", str(old), str(new)]) == 1
    assert "FIELD_NO_DELETE" in capsys.readouterr().out
    assert main(["schema", "diff", str(old), str(SHOP)]) == 1  # mixed inputs: a usage error
