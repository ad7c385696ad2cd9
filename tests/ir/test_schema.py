"""The IR schema (schemas/ir.schema.json) and its gate (upel.ir.schema).

A small but complete hand-written IR document must validate, with and
without its locs; targeted mutations of it must each be rejected with a
message that names the offending JSON path.
"""

from __future__ import annotations

import json
import pathlib
import re
from collections.abc import Callable
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import upel.ir.schema as schema_mod
from upel.ir.schema import IRSchemaError, load_ir_schema, schema_path, validate_ir

REPO = pathlib.Path(__file__).resolve().parents[2]
FILE = "medtech/infusion.upel"
PKG = "medtech.infusion"

# ---------------------------------------------------------------- builders


def loc(line: int, col: int = 1) -> dict[str, Any]:
    return {"file": FILE, "line": line, "col": col}


def u(width: int) -> dict[str, Any]:
    return {"k": "int", "signed": False, "width": width}


def i(width: int) -> dict[str, Any]:
    return {"k": "int", "signed": True, "width": width}


def named(name: str) -> dict[str, Any]:
    return {"k": "named", "name": f"{PKG}.{name}"}


BOOL = {"k": "bool"}
DOSE = named("DoseUg")
MODE = named("Mode")
PUMP = named("Pump")
FLAGS = {"k": "array", "elem": BOOL, "len": 4}


def e(k: str, t: dict[str, Any], line: int | None = None, **fields: Any) -> dict[str, Any]:
    node: dict[str, Any] = {"k": k, "t": t, **fields}
    if line is not None:
        node["loc"] = loc(line, 3)
    return node


def lit(v: int | bool, t: dict[str, Any]) -> dict[str, Any]:
    return e("lit", t, v=v)


def local(name: str, t: dict[str, Any]) -> dict[str, Any]:
    return e("local", t, name=name)


def binop(op: str, a: dict[str, Any], b: dict[str, Any], t: dict[str, Any] | None = None):
    return e("bin", t or a["t"], op=op, a=a, b=b)


def item(name: str, line: int, **fields: Any) -> dict[str, Any]:
    return {"name": name, "qname": f"{PKG}.{name}", "doc": [], "reqs": [], **fields,
            "loc": loc(line)}


def make_doc() -> dict[str, Any]:
    """One package using every declaration form and every expression kind."""
    types = [
        item("DoseUg", 3, kind="newtype", doc=["A dose in micrograms."],
             underlying=u(32), range={"lo": 0, "hi": 50_000}),
        item("Enabled", 4, kind="newtype", underlying=BOOL),
        item("Mode", 6, kind="enum", underlying=u(2), members=[
            {"name": "idle", "value": 0, "doc": [], "loc": loc(6, 17)},
            {"name": "running", "value": 1, "doc": ["Pumping."], "loc": loc(6, 27)},
            {"name": "alarm", "value": 3, "doc": [], "loc": loc(6, 40)},
        ]),
        item("Pump", 8, kind="record", fields=[
            {"name": "mode", "type": MODE, "doc": [], "loc": loc(8, 15)},
            {"name": "rate", "type": u(32), "doc": [], "loc": loc(8, 27)},
            {"name": "flags", "type": FLAGS, "doc": [], "loc": loc(8, 38)},
        ]),
    ]
    errors = [
        item("DoseError", 10, members=[
            {"name": "too_high", "code": 16, "doc": [], "loc": loc(10, 19)},
            {"name": "too_low", "code": 17, "doc": [], "loc": loc(10, 34)},
        ]),
    ]
    consts = [
        item("MAX_RATE", 12, type=u(32), value=50_000),
        item("IDLE_PUMP", 13, type=PUMP,
             value={"mode": 0, "rate": 0, "flags": [False, False, False, False]}),
    ]

    # fn low_nibble(w: u32) -> u4 { bits(w, 3, 0) }
    low_nibble = item(
        "low_nibble", 15, reqs=["MT-INF-001"],
        params=[{"name": "w", "type": u(32), "loc": loc(15, 15)}],
        ret=u(4), raises=[], requires=[], ensures=[],
        body=e("builtin", u(4), 16, name="bits", args=[local("w", u(32))], hi=3, lo=0),
        calls=[],
    )

    # fn dose(weight_g: u32, rate: u32) -> DoseUg
    #   raises overflow, div_by_zero, range, DoseError.too_high
    #   requires weight_g > 0  requires rate <= MAX_RATE  ensures result <= 50_000
    # { let total: u32 = weight_g * rate / 1000;
    #   if total > 50_000 { raise DoseError.too_high } else { total as DoseUg } }
    total = local("total", u(32))
    dose = item(
        "dose", 19, doc=["Dose for a weight and a rate."], reqs=["MT-INF-002", "MT-INF-003"],
        params=[{"name": "weight_g", "type": u(32)}, {"name": "rate", "type": u(32)}],
        ret=DOSE, raises=[1, 2, 3, 16],
        requires=[
            binop("gt", local("weight_g", u(32)), lit(0, u(32)), BOOL),
            binop("le", local("rate", u(32)), e("const", u(32), name=f"{PKG}.MAX_RATE"), BOOL),
        ],
        ensures=[binop("le", local("result", DOSE), lit(50_000, DOSE), BOOL)],
        body=e("block", DOSE, 23, lets=[
            {"name": "total", "t": u(32), "loc": loc(24, 3), "e": binop(
                "div", binop("mul", local("weight_g", u(32)), local("rate", u(32))),
                lit(1000, u(32)))},
        ], result=e(
            "if", DOSE, 25,
            c=binop("gt", total, lit(50_000, u(32)), BOOL),
            then=e("raise", DOSE, 25, code=16, error="DoseError.too_high"),
            **{"else": e("cast", DOSE, 25, a=total, check=True)},
        )),
        calls=[],
    )

    # fn make_pump(mode_raw: u2, rate: u32) -> Pump raises convert
    # { Pump { mode: Mode.from(mode_raw), rate: min(rate, MAX_RATE), flags: [false; 4] } }
    make_pump = item(
        "make_pump", 28, deprecated="use adjust",
        params=[{"name": "mode_raw", "type": u(2)}, {"name": "rate", "type": u(32)}],
        ret=PUMP, raises=[6], requires=[], ensures=[],
        body=e("record", PUMP, 29, fields=[
            {"name": "mode", "e": e("enum_from", MODE, a=local("mode_raw", u(2)))},
            {"name": "rate", "e": e("builtin", u(32), name="min", args=[
                local("rate", u(32)), e("const", u(32), name=f"{PKG}.MAX_RATE")])},
            {"name": "flags", "e": e("repeat", FLAGS, e=lit(False, BOOL), n=4),
             "loc": loc(29, 50)},
        ]),
        calls=[],
    )

    # fn adjust(p: Pump, d: DoseUg) -> Pump { let code: u8 = match p.mode {...}; ... }
    p = local("p", PUMP)
    flags = local("flags", FLAGS)
    n = local("n", u(8))
    adjust = item(
        "adjust", 32,
        params=[{"name": "p", "type": PUMP}, {"name": "d", "type": DOSE}],
        ret=PUMP, raises=[1, 4], requires=[], ensures=[],
        body=e("block", PUMP, 33, lets=[
            # let code: u8 = match p.mode {
            #   Mode.idle | Mode.alarm => 0, Mode.running => 1, _ => 2 };
            {"name": "code", "t": u(8), "e": e("match", u(8), 34,
                a=e("field", MODE, a=p, name="mode"),
                arms=[
                    {"pats": [0, 3], "body": lit(0, u(8)), "loc": loc(35, 5)},
                    {"pats": [1], "body": lit(1, u(8))},
                    {"pats": None, "body": lit(2, u(8))},
                ])},
            # let flags = p.flags with [0] = not p.flags[0];
            {"name": "flags", "t": FLAGS, "e": e(
                "arr_with", FLAGS, 38,
                a=e("field", FLAGS, a=p, name="flags"), i=lit(0, u(1)),
                v=e("un", BOOL, op="not", a=e(
                    "index", BOOL, a=e("field", FLAGS, a=p, name="flags"), i=lit(0, u(1)))),
            )},
            # let n = fold i: u2 in 0..4 with acc: u8 = 0 { if flags[i] { acc +% 1 } else { acc } };
            {"name": "n", "t": u(8), "e": e(
                "fold", u(8), 39, var="i", var_t=u(2), lo=0, hi=4, acc="acc",
                init=lit(0, u(8)),
                body=e("if", u(8),
                       c=e("index", BOOL, a=flags, i=local("i", u(2))),
                       then=binop("add_wrap", local("acc", u(8)), lit(1, u(8))),
                       **{"else": local("acc", u(8))}),
            )},
            # let nib = low_nibble((code as u32) | 0xF0);
            {"name": "nib", "t": u(4), "e": e(
                "call", u(4), 40, fn=f"{PKG}.low_nibble", args=[binop(
                    "bor", e("cast", u(32), a=local("code", u(8)), check=False),
                    lit(0xF0, u(32)))],
            )},
            {"name": "pattern", "t": FLAGS, "e": e(
                "array", FLAGS, elems=[lit(True, BOOL), lit(False, BOOL),
                                       lit(True, BOOL), lit(False, BOOL)])},
        ], result=e(
            # p with { rate: p.rate +| (d as u32), mode: if n == 4 { Mode.alarm } else { p.mode } }
            "rec_with", PUMP, 42, a=p, fields=[
                {"name": "rate", "e": binop(
                    "add_sat", e("field", u(32), a=p, name="rate"),
                    e("cast", u(32), a=local("d", DOSE), check=False))},
                {"name": "mode", "e": e(
                    "if", MODE, c=binop("eq", n, lit(4, u(8)), BOOL),
                    then=e("enum", MODE, member="alarm", v=3),
                    **{"else": e("field", MODE, a=p, name="mode")})},
            ],
        )),
        calls=[f"{PKG}.low_nibble"],
    )

    # property nibble_small(w: u32) requires w != 0 { low_nibble(w) <= 15 }
    prop = item(
        "nibble_small", 45, params=[{"name": "w", "type": u(32)}],
        requires=[binop("ne", local("w", u(32)), lit(0, u(32)), BOOL)],
        body=binop("le", e("call", u(4), fn=f"{PKG}.low_nibble", args=[local("w", u(32))]),
                   lit(15, u(4)), BOOL),
    )

    vectors = [
        {"fn": f"{PKG}.dose", "loc": loc(48), "cases": [
            {"args": [70_000, 10], "expect": {"value": 700}, "loc": loc(49, 3)},
            {"args": [70_000, 1_000], "expect": {"error": 16}, "loc": loc(50, 3)},
            {"args": [0, 10], "expect": {"error": 5}, "loc": loc(51, 3)},
        ]},
        {"fn": f"{PKG}.make_pump", "cases": [
            {"args": [1, 100],
             "expect": {"value": {"mode": 1, "rate": 100,
                                  "flags": [False, False, False, False]}}},
        ]},
    ]

    package = {
        "name": PKG,
        "version": "1.2.0-rc.1+build.5",
        "doc": ["Infusion pump dosing."],
        "imports": [],
        "types": types,
        "errors": errors,
        "consts": consts,
        "functions": [low_nibble, dose, make_pump, adjust],
        "properties": [prop],
        "vectors": vectors,
    }
    doc = {"format": "upel-ir", "ir_version": 1, "root": PKG, "packages": [package]}
    # A JSON round trip: the builders share sub-objects (types, operands), and
    # every mutation below must touch one node only. It also proves the
    # document is plain JSON data.
    return json.loads(json.dumps(doc))


def strip_locs(node: Any) -> Any:
    """The semantic view: every `loc` member removed."""
    if isinstance(node, dict):
        return {k: strip_locs(v) for k, v in node.items() if k != "loc"}
    if isinstance(node, list):
        return [strip_locs(v) for v in node]
    return node


def walk(node: Any):
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        yield from walk(child)


def at(doc: Any, path: str) -> Any:
    for part in path.split("/") if path else ():
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


def rejection(doc: Any) -> str:
    with pytest.raises(IRSchemaError) as info:
        validate_ir(doc)
    return str(info.value)


# ---------------------------------------------------------------- the schema itself


def test_schema_is_a_valid_draft_2020_12_schema():
    schema = load_ir_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "https://upel.dev/schemas/ir/v1.json"


def test_schema_path_is_the_repository_copy_and_loading_is_cached():
    assert schema_path() == REPO / "schemas" / "ir.schema.json"
    assert load_ir_schema() is load_ir_schema()


def test_installed_copy_wins_over_the_repository_copy(tmp_path, monkeypatch):
    module = tmp_path / "upel" / "ir" / "schema.py"
    installed = tmp_path / "upel" / "schemas" / "ir.schema.json"
    repository = tmp_path / "schemas" / "ir.schema.json"
    for f in (module, installed, repository):
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text("{}")
    monkeypatch.setattr(schema_mod, "__file__", str(module))
    assert schema_path() == installed
    installed.unlink()
    assert schema_path() == repository
    repository.unlink()
    with pytest.raises(FileNotFoundError):
        schema_path()


def _is_dispatcher(sub: dict[str, Any]) -> bool:
    """A discriminated union: an enum on one key, then one if/then per value."""
    branches = sub.get("allOf", [])
    return len(sub["properties"]) == 1 and bool(branches) and all(
        set(b) == {"if", "then"} and set(b["then"]) == {"$ref"} for b in branches)


def test_every_object_schema_closes_its_properties():
    def schemas(node: Any):
        # every subschema except `if` conditions, which only test
        if isinstance(node, dict):
            yield node
            for key, child in node.items():
                if key != "if":
                    yield from schemas(child)
        elif isinstance(node, list):
            for child in node:
                yield from schemas(child)

    found = [sub for sub in schemas(load_ir_schema())
             if sub.get("type") == "object" and "properties" in sub]
    assert len(found) > 30
    dispatchers = 0
    for sub in found:
        if _is_dispatcher(sub):
            dispatchers += 1  # each branch it dispatches to is closed itself
            continue
        assert sub.get("additionalProperties") is False, sub.get("description", sub)
    assert dispatchers == 3  # type, typedecl, expr


def _doc_table_kinds() -> list[str]:
    text = (REPO / "docs" / "ir.md").read_text(encoding="utf-8")
    section = text.split("## Expressions", 1)[1].split("\n## ", 1)[0]
    rows = section.split("|---|", 1)[1]  # the rows after the table header
    return re.findall(r"^\| `([a-z_]+)` \|", rows, flags=re.M)


def test_expression_kinds_match_the_table_in_docs_ir_md():
    kinds = load_ir_schema()["$defs"]["expr"]["properties"]["k"]["enum"]
    assert kinds == _doc_table_kinds()
    for kind in kinds:
        assert load_ir_schema()["$defs"][f"expr_{kind}"]["properties"]["k"] == {"const": kind}


def test_operators_and_builtins_are_exactly_the_documented_ones():
    defs = load_ir_schema()["$defs"]
    assert defs["expr_un"]["properties"]["op"]["enum"] == ["neg", "bnot", "not"]
    assert defs["expr_bin"]["properties"]["op"]["enum"] == (
        "add sub mul div rem add_wrap sub_wrap mul_wrap add_sat sub_sat mul_sat "
        "band bor bxor shl shr eq ne lt le gt ge and or").split()
    assert defs["expr_builtin"]["properties"]["name"]["enum"] == [
        "min", "max", "abs", "popcount", "bit", "bits"]


# ---------------------------------------------------------------- valid documents


def test_sample_document_validates():
    validate_ir(make_doc())


def test_sample_document_uses_every_expression_kind():
    kinds = {n["k"] for n in walk(make_doc())
             if isinstance(n, dict) and isinstance(n.get("k"), str) and "t" in n}
    assert kinds == set(_doc_table_kinds())


def test_semantic_view_without_locs_validates():
    doc = strip_locs(make_doc())
    assert not any(isinstance(n, dict) and "loc" in n for n in walk(doc))
    validate_ir(doc)


def test_extreme_integer_values_validate():
    doc = make_doc()
    doc["packages"][0]["consts"] = [
        item("BIG", 1, type=u(64), value=2**64 - 1),
        item("SMALL", 2, type=i(64), value=-(2**63)),
    ]
    validate_ir(doc)


# ---------------------------------------------------------------- rejections

FN_DOSE = "packages/0/functions/1"
FN_ADJUST = "packages/0/functions/3"


def _set(key: str, value: Any) -> Callable[[Any], None]:
    return lambda node: node.__setitem__(key, value)


def _delete(key: str) -> Callable[[Any], None]:
    return lambda node: node.__delitem__(key)


# (id, node path, mutation, path the message must name, text the message must contain)
MUTATIONS = [
    ("unknown expr kind", f"{FN_DOSE}/body/result", _set("k", "while"),
     f"{FN_DOSE}/body/result/k", "'while' is not one of"),
    ("unknown bin op", f"{FN_DOSE}/body/lets/0/e", _set("op", "pow"),
     f"{FN_DOSE}/body/lets/0/e/op", "'pow' is not one of"),
    ("signed width 1", f"{FN_DOSE}/params/0", _set("type", i(1)),
     f"{FN_DOSE}/params/0/type/width", "less than the minimum of 2"),
    ("width 65", "packages/0/consts/0", _set("type", u(65)),
     "packages/0/consts/0/type/width", "greater than the maximum of 64"),
    ("array len 0", "packages/0/types/3/fields/2/type", _set("len", 0),
     "packages/0/types/3/fields/2/type/len", "less than the minimum of 1"),
    ("extra property on an item", FN_DOSE, _set("inline", True),
     FN_DOSE, "'inline' was unexpected"),
    ("extra property on an expression", f"{FN_ADJUST}/body/result", _set("note", "x"),
     f"{FN_ADJUST}/body/result", "'note' was unexpected"),
    ("missing t on an expression", f"{FN_ADJUST}/body/lets/2/e/body/then", _delete("t"),
     f"{FN_ADJUST}/body/lets/2/e/body/then", "'t' is a required property"),
    ("error code 0", "packages/0/vectors/0/cases/1", _set("expect", {"error": 0}),
     "packages/0/vectors/0/cases/1/expect/error", "less than the minimum of 1"),
    ("raise code 0", f"{FN_DOSE}/body/result/then", _set("code", 0),
     f"{FN_DOSE}/body/result/then/code", "less than the minimum of 1"),
    ("bad package name", "packages/0", _set("name", "Avionics.X"),
     "packages/0/name", "'Avionics.X' does not match"),
    ("bad version", "packages/0", _set("version", "1.2"),
     "packages/0/version", "'1.2' does not match"),
    ("outcome with value and error", "packages/0/vectors/0/cases/0",
     _set("expect", {"value": 700, "error": 5}),
     "packages/0/vectors/0/cases/0/expect", "has too many properties"),
    ("bits without hi", "packages/0/functions/0/body", _delete("hi"),
     "packages/0/functions/0/body", "'hi' is a required property"),
    # beyond the dozen the brief asks for
    ("hi on a builtin other than bits", "packages/0/functions/2/body/fields/1/e",
     _set("hi", 3), "packages/0/functions/2/body/fields/1/e", "'hi' was unexpected"),
    ("builtin with the wrong arity", "packages/0/functions/2/body/fields/1/e",
     lambda node: node["args"].pop(), "packages/0/functions/2/body/fields/1/e/args",
     "is too short"),
    ("two wildcard arms", f"{FN_ADJUST}/body/lets/0/e/arms/1", _set("pats", None),
     f"{FN_ADJUST}/body/lets/0/e/arms", "Too many items match"),
    ("empty pattern list", f"{FN_ADJUST}/body/lets/0/e/arms/1", _set("pats", []),
     f"{FN_ADJUST}/body/lets/0/e/arms/1/pats", "should be non-empty"),
    ("range on a bool newtype", "packages/0/types/1", _set("range", {"lo": 0, "hi": 1}),
     "packages/0/types/1", "'range' was unexpected"),
    ("integer literal of type bool", f"{FN_ADJUST}/body/lets/4/e/elems/0", _set("v", 1),
     f"{FN_ADJUST}/body/lets/4/e/elems/0/v", "is not of type 'boolean'"),
    ("checked cast into a primitive type", f"{FN_ADJUST}/body/lets/3/e/args/0/a",
     _set("check", True), f"{FN_ADJUST}/body/lets/3/e/args/0/a/check", "False was expected"),
    ("comparison not of type bool", f"{FN_DOSE}/requires/0", _set("t", u(1)),
     f"{FN_DOSE}/requires/0/t/k", "'bool' was expected"),
    ("float where an integer is due", f"{FN_DOSE}/body/lets/0/e/b", _set("v", 1000.0),
     f"{FN_DOSE}/body/lets/0/e/b/v", "1000.0 is not of type"),
    ("null outside a match arm", "packages/0/consts/0", _set("value", None),
     "packages/0/consts/0/value", "None is not of type"),
    ("loc line 0", "packages/0/types/0/loc", _set("line", 0),
     "packages/0/types/0/loc/line", "less than the minimum of 1"),
    ("absolute loc file", "packages/0/types/0/loc", _set("file", "/abs/medtech/infusion.upel"),
     "packages/0/types/0/loc/file", "does not match"),
    ("user error code below 16", "packages/0/errors/0/members/0", _set("code", 7),
     "packages/0/errors/0/members/0/code", "less than the minimum of 16"),
    ("unknown typedecl kind", "packages/0/types/2", _set("kind", "union"),
     "packages/0/types/2/kind", "'union' is not one of"),
    ("unqualified callee", FN_ADJUST, _set("calls", ["low_nibble"]),
     f"{FN_ADJUST}/calls/0", "'low_nibble' does not match"),
    ("wrong format", "", _set("format", "upel-ast"), "format", "'upel-ir' was expected"),
    ("wrong ir_version", "", _set("ir_version", 2), "ir_version", "1 was expected"),
    ("no packages", "", _set("packages", []), "packages", "should be non-empty"),
]


@pytest.mark.parametrize(
    ("node_path", "mutate", "error_path", "text"),
    [pytest.param(*m[1:], id=m[0]) for m in MUTATIONS],
)
def test_mutation_is_rejected_naming_its_path(node_path, mutate, error_path, text):
    doc = make_doc()
    mutate(at(doc, node_path))
    message = rejection(doc)
    lines = [line.strip() for line in message.splitlines()[1:]]
    assert any(line.startswith(f"{error_path}: ") and text in line for line in lines), message


def test_mutations_are_reported_without_noise():
    # The if/then discrimination reports one problem per mutation, not one per
    # alternative (what a plain oneOf would do).
    for _name, node_path, mutate, _error_path, _text in MUTATIONS[:14]:
        doc = make_doc()
        mutate(at(doc, node_path))
        with pytest.raises(IRSchemaError) as info:
            validate_ir(doc)
        assert len(info.value.problems) == 1, str(info.value)


def test_message_lists_at_most_five_problems():
    doc = make_doc()
    for index in range(8):
        doc["packages"][0]["functions"][0][f"extra{index}"] = index
    doc["packages"][0]["version"] = "1"
    with pytest.raises(IRSchemaError) as info:
        validate_ir(doc)
    problems = info.value.problems
    assert len(problems) == 2  # one additionalProperties error names all eight keys
    for index in range(2, 9):
        doc["packages"][0]["types"][index % 4]["loc"]["line"] = -index
    with pytest.raises(IRSchemaError) as info:
        validate_ir(doc)
    message = str(info.value)
    listed = [line for line in message.splitlines()[1:] if not line.strip().startswith("...")]
    assert len(listed) == 5
    assert f"and {len(info.value.problems) - 5} more" in message
    count = len(info.value.problems)
    assert message.startswith(f"IR does not match the IR schema ({count} errors)")


def test_non_object_document_is_rejected_at_the_root():
    assert "(document): [] is not of type 'object'" in rejection([])


def test_non_object_expression_gives_one_problem():
    doc = make_doc()
    doc["packages"][0]["functions"][0]["body"] = "bits"
    with pytest.raises(IRSchemaError) as info:
        validate_ir(doc)
    assert info.value.problems == [
        "packages/0/functions/0/body: 'bits' is not of type 'object'"]
