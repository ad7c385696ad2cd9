"""The contract meta-schema: every committed schema passes; bad schemas fail with precise messages."""

from __future__ import annotations

import copy

import pytest

from upel.trust.schema import DRAFT, schemas_dir
from upel.trust.schema.gate import check_all, load_schemas

GOOD = {
    "$schema": DRAFT,
    "$id": "https://upel.dev/schemas/test/thing.schema.json",
    "title": "A thing",
    "description": "A test contract.",
    "x-upel-version": "1.0.0",
    "type": "object",
    "required": ["n"],
    "additionalProperties": False,
    "properties": {"n": {"$ref": "#/$defs/small"}, "tag": {"type": "string", "default": "x", "pattern": "^[a-z]+$"}},
    "$defs": {"small": {"type": "integer", "minimum": 0, "maximum": 9}},
}


def problems_of(schema, extra=None):
    return check_all({"thing.json": schema}, extra=extra)[0]


def test_every_committed_schema_passes():
    schemas, problems = load_schemas(schemas_dir())
    assert {"ir.schema.json", "evidence.schema.json", "registry.schema.json",
            "meta/contract.schema.json"} <= set(schemas)
    problems += check_all(schemas)[0]
    assert problems == []


def test_a_good_schema_passes():
    assert problems_of(GOOD) == []


def mutate(fn):
    s = copy.deepcopy(GOOD)
    fn(s)
    return s


@pytest.mark.parametrize(("change", "expected"), [
    (lambda s: s.pop("$id"), "thing.json: /: '$id' is a required property"),
    (lambda s: s.update({"$id": "https://example.com/x.json"}),
     "thing.json: /$id: 'https://example.com/x.json' does not match"),
    (lambda s: s.pop("x-upel-version"), "thing.json: /: 'x-upel-version' is a required property"),
    (lambda s: s.update({"x-upel-version": "1.0"}), "thing.json: /x-upel-version: '1.0' does not match"),
    (lambda s: s.pop("description"), "thing.json: /: 'description' is a required property"),
    (lambda s: s.update({"$schema": "http://json-schema.org/draft-07/schema#"}), "thing.json: /$schema: "),
    (lambda s: s["$defs"].update({"o": {"type": "object", "properties": {}}}),
     "thing.json: /$defs/o: 'required' is a required property"),
    (lambda s: s["$defs"].update({"o": {"type": ["object", "null"], "required": []}}),
     "thing.json: /$defs/o: 'additionalProperties' is a required property"),
    (lambda s: s["properties"]["n"].update({"$ref": "#/$defs/missing"}),
     ("thing.json: /properties/n/$ref: unresolved $ref '#/$defs/missing': pointer /$defs/missing not found in "
      "https://upel.dev/schemas/test/thing.schema.json (no 'missing')")),
    (lambda s: s["properties"]["n"].update({"$ref": "other.schema.json#/$defs/x"}),
     ("thing.json: /properties/n/$ref: unresolved $ref 'other.schema.json#/$defs/x': no schema has $id "
      "https://upel.dev/schemas/test/other.schema.json")),
    (lambda s: s["properties"]["tag"].update({"default": "X1"}),
     "thing.json: /properties/tag: default \"X1\" does not validate against its own schema: /: 'X1' does not match"),
    (lambda s: s["$defs"]["small"].update({"default": 12}),
     "thing.json: /$defs/small: default 12 does not validate against its own schema: /: 12 is greater than"),
    (lambda s: s.update({"x-upel-errors": ["E0001"]}), "thing.json: /x-upel-errors/0: 'E0001' does not match"),
    (lambda s: s["$defs"]["small"].update({"x-upel-errors": ["UPEL-E12"]}),
     "thing.json: /$defs/small/x-upel-errors/0: 'UPEL-E12' does not match"),
    (lambda s: s["$defs"]["small"].update({"minimum": 10}),
     "thing.json: /$defs/small: minimum 10 exceeds maximum 9: no value can satisfy both"),
    (lambda s: s["properties"]["tag"].update({"pattern": "([a-z"}),
     "thing.json: /properties/tag: pattern '([a-z' does not compile"),
    (lambda s: s["required"].append("ghost"),
     "thing.json: /: required 'ghost' is not in properties and additionalProperties is false"),
    (lambda s: s["$defs"]["small"].update({"type": "integr"}), "thing.json: /$defs/small/type: "),
])
def test_bad_schemas_fail_precisely(change, expected):
    problems = problems_of(mutate(change))
    assert any(p.startswith(expected) for p in problems), problems


def test_good_error_codes_and_a_ref_through_a_default():
    s = mutate(lambda s: s.update({"x-upel-errors": ["UPEL-E0201"]}))
    s["properties"]["n"]["default"] = 3  # validated through the $ref it sits next to
    assert problems_of(s) == []
    s["properties"]["n"]["default"] = 30
    assert any("/properties/n: default 30 does not validate" in p for p in problems_of(s))


def test_cross_file_refs_resolve_by_id():
    other = {**copy.deepcopy(GOOD), "$id": "https://upel.dev/schemas/test/other.schema.json"}
    s = mutate(lambda s: s["properties"]["n"].update({"$ref": "other.schema.json#/$defs/small"}))
    assert check_all({"thing.json": s, "other.json": other})[0] == []
    dup = check_all({"thing.json": GOOD, "again.json": copy.deepcopy(GOOD)})[0]
    assert any("$id https://upel.dev/schemas/test/thing.schema.json is already used by thing.json" in p for p in dup)
