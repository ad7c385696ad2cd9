"""The fast IR check (upel.ir.fastcheck) agrees with full JSON Schema validation.

The IR gate trusts a "valid" from the fast check without asking jsonschema,
so the check must never accept what the schema rejects. Held here on the
example corpus (with and without locs), every targeted mutation of the
schema test, and thousands of random mutations of real IR.
"""

from __future__ import annotations

import copy
import pathlib
import random
from typing import Any

import pytest

from tests.ir.test_schema import MUTATIONS, at, make_doc, strip_locs
from upel.diagnostics import DiagnosticSink
from upel.ir.fastcheck import Unsupported, compile_schema
from upel.ir.schema import IRSchemaError, _validator, load_ir_schema, validate_ir

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fast():
    return compile_schema(load_ir_schema())


@pytest.fixture(scope="module")
def corpus() -> list[dict]:
    from upel.check.lower import check_program
    from upel.loader import load

    docs = []
    for system in ("avionics", "fintech", "medtech"):
        sink = DiagnosticSink()
        program = load([str(REPO / "specs" / system)], [], sink)
        out = check_program(program, sink)
        assert out is not None
        docs.extend(out[r] for r in sorted(out))
    return docs


def full_valid(doc: Any) -> bool:
    return _validator().is_valid(doc)


def test_corpus_is_valid_to_both(fast, corpus):
    for doc in corpus + [make_doc()]:
        assert fast(doc) and fast(strip_locs(doc))
        assert full_valid(doc)


@pytest.mark.parametrize(("node_path", "mutate"), [pytest.param(m[1], m[2], id=m[0]) for m in MUTATIONS])
def test_schema_test_mutations_are_rejected(fast, node_path, mutate):
    doc = make_doc()
    mutate(at(doc, node_path))
    assert not full_valid(doc)
    assert not fast(doc)


# Replacement values for random mutations: near misses of what the IR holds.
_VALUES = [None, True, False, 0, 1, -1, 16, 65, 65536, 2**64, -(2**63) - 1, 1.0, "", "x", "a.B", "lit",
           "bin", "add", "pow", "bool", "int", "named", [], [1], [None], {}, {"k": "bool"},
           {"k": "int", "signed": True, "width": 1}, {"k": "named", "name": "a.B"}, {"file": "/x.upel", "line": 1,
                                                                                   "col": 1}]


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out.extend(_paths(v, prefix + (k,)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.extend(_paths(v, prefix + (i,)))
    return out


def _mutate(doc: dict, rng: random.Random) -> dict:
    doc = copy.deepcopy(doc)
    paths = [p for p in _paths(doc) if p]
    path = rng.choice(paths)
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    key = path[-1]
    action = rng.randrange(4)
    if action == 0 and isinstance(parent, dict):
        del parent[key]
    elif action == 1 and isinstance(parent, dict):
        parent[rng.choice(["loc", "t", "k", "extra", "hi", "lo", "range", "check"])] = rng.choice(_VALUES)
    elif action == 2 and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[key]) if rng.random() < 0.5 else rng.choice(_VALUES))
    else:
        parent[key] = copy.deepcopy(rng.choice(_VALUES))
    return doc


def test_random_mutations_agree(fast, corpus):
    # Small documents keep jsonschema's share of the run short: the sample
    # document (every expression kind) and one function of each example.
    seeds = [make_doc(), strip_locs(make_doc())]
    for doc in corpus:
        pkg = doc["packages"][-1]
        seeds.append({**doc, "packages": [{**pkg, "functions": pkg["functions"][-1:], "vectors": pkg["vectors"][:1],
                                           "imports": [], "properties": pkg["properties"][:1]}]})
    rng = random.Random(7)
    disagreements = []
    for n in range(400):
        doc = _mutate(seeds[n % len(seeds)], rng)
        f, j = fast(doc), full_valid(doc)
        assert not (f and not j), "fast check accepted an invalid document"
        if f != j:
            disagreements.append(doc)
    # Stricter-than-schema answers are allowed (the gate then asks jsonschema),
    # but on IR-shaped data there should be none.
    assert not disagreements


def test_gate_falls_back_to_jsonschema_for_messages():
    doc = make_doc()
    doc["packages"][0]["name"] = "Bad.Name"
    with pytest.raises(IRSchemaError) as info:
        validate_ir(doc)
    assert "packages/0/name: 'Bad.Name' does not match" in str(info.value)
    validate_ir(make_doc(), full=True)


def test_unknown_keywords_are_refused_not_ignored():
    with pytest.raises(Unsupported):
        compile_schema({"type": "object", "patternProperties": {"^x": {"type": "string"}}})
    with pytest.raises(Unsupported):
        compile_schema({"$ref": "https://example.com/other.json"})
    # vendor extensions and annotations carry no constraint
    assert compile_schema({"x-upel-version": "1", "description": "d", "type": "integer"})(3)


def test_keyword_semantics_follow_jsonschema():
    cases = [
        ({"type": "integer"}, [1, True, 1.0, "1"]),
        ({"type": "boolean"}, [True, 1, 0]),
        ({"const": 1}, [1, True, 1.0]),
        ({"enum": [False, "a"]}, [0, False, "a"]),
        ({"minimum": 1}, [True, 0, 1, "z"]),
        ({"uniqueItems": True}, [[1, True], [1, 1], ["a", "b"]]),
        ({"contains": {"type": "null"}, "minContains": 0, "maxContains": 1}, [[], [None], [None, None], 3]),
        ({"if": {"required": ["a"]}, "then": {"required": ["b"]}, "else": {"maxProperties": 0}},
         [{"a": 1}, {"a": 1, "b": 2}, {}, {"c": 1}, 5]),
        ({"propertyNames": {"pattern": "^[a-z]+$"}, "additionalProperties": {"type": "integer"}},
         [{"a": 1}, {"A": 1}, {"a": "x"}]),
        ({"type": ["integer", "array"], "items": {"type": "integer"}, "minItems": 1}, [[], [1], 2, "s"]),
    ]
    from jsonschema import Draft202012Validator

    from upel.ir.schema import _IRValidator

    for schema, instances in cases:
        check = compile_schema(schema)
        ref = _IRValidator(schema)
        Draft202012Validator.check_schema(schema)
        for x in instances:
            if isinstance(x, float):  # the IR has no floats: the check may refuse them outright
                assert not check(x) or ref.is_valid(x), (schema, x)
            else:
                assert check(x) == ref.is_valid(x), (schema, x)


def test_shared_type_dicts_are_checked_afresh_on_each_call(fast, corpus):
    # The lowering shares one dict per type (TypeTable.to_ir); the check
    # remembers accepted type dicts by identity within one call only.
    doc = copy.deepcopy(corpus[0])
    fn = next(f for p in doc["packages"] for f in p["functions"] if f["params"])
    shared = fn["params"][0]["type"]
    users = [n for n in _dicts(doc) for k in ("t", "type", "ret") if n.get(k) is shared]
    assert len(users) > 1, "the lowering should share type dicts"
    assert fast(doc) and full_valid(doc)
    shared["k"] = "float"  # every node of that type is now invalid
    assert not fast(doc) and not full_valid(doc)


def _dicts(node: Any) -> list[dict]:
    out, todo = [], [node]
    while todo:
        n = todo.pop()
        if isinstance(n, dict):
            out.append(n)
            todo.extend(n.values())
        elif isinstance(n, list):
            todo.extend(n)
    return out
