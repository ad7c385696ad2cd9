"""The operator registry: golden file, schema, determinism, unresolved and mismatched references."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import assert_golden, front
from upel.cli.main import main
from upel.diagnostics import UserError
from upel.trust.registry import (
    build_registry,
    check_registry,
    render_registry,
    validate_registry,
)

HERE = Path(__file__).parent
SHOP = HERE / "testdata" / "shop"
GOLDEN = HERE / "testdata" / "shop.registry.json"
MEDTECH = HERE.parents[1] / "specs" / "medtech"


def _docs(*paths, spec_path=()):
    sink, _, docs = front(paths, spec_path)
    assert docs is not None, [d.message for d in sink.items]
    return docs


def test_golden_registry_of_a_small_spec():
    reg = build_registry(_docs(SHOP / "checkout.upel"))
    assert_golden(GOLDEN, render_registry(reg).decode(),
                  "python -m pytest -n 0 tests/trust/test_registry.py::test_golden_registry_of_a_small_spec")


def test_entries_carry_what_consumers_rely_on():
    reg = build_registry(_docs(SHOP / "checkout.upel"))
    validate_registry(reg)
    ops = {op["name"]: op for op in reg["operators"]}
    assert sorted(ops) == ["shop.cart.line_total", "shop.checkout.pay"]
    lt = ops["shop.cart.line_total"]
    assert lt["purity"] == "pure" and lt["side_effects"] == [] and lt["determinism"] == "E0"
    assert lt["signature"]["params"][0]["name"] == "i" and lt["signature"]["params"][0]["type"] == "shop.cart.Item"
    assert lt["signature"]["result"]["type"] == "u32"
    # A requires clause adds the precondition outcome to the declared errors.
    assert [(e["code"], e["name"]) for e in lt["errors"]] == [(5, "precondition"), (16, "CartError.empty")]
    assert lt["reqs"] == ["CART-001"]
    assert len(lt["contract"]["requires"]) == 1 and len(lt["contract"]["ensures"]) == 1
    assert ops["shop.checkout.pay"]["calls"] == ["shop.cart.line_total"]
    assert [p["name"] for p in reg["packages"]] == ["shop.cart", "shop.checkout"]


def test_render_is_deterministic_across_directories(tmp_path):
    outs = []
    for where in ("a", "b/deeper"):
        dest = tmp_path / where / "shop"
        shutil.copytree(SHOP, dest)
        out = tmp_path / where / "registry.json"
        assert main(["registry", str(dest / "checkout.upel"), "--out", str(out)]) == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert outs[0] == render_registry(build_registry(_docs(SHOP / "checkout.upel")))


def test_locations_and_formatting_do_not_change_the_registry(tmp_path):
    dest = tmp_path / "shop"
    shutil.copytree(SHOP, dest)
    cart = dest / "cart.upel"
    cart.write_text("\n\n// a plain comment moves every line\n" + cart.read_text(encoding="utf-8"), encoding="utf-8")
    assert render_registry(build_registry(_docs(dest / "checkout.upel"))) == \
        render_registry(build_registry(_docs(SHOP / "checkout.upel")))


def test_registry_schema_rejects_a_broken_entry():
    reg = build_registry(_docs(SHOP / "cart.upel"))
    reg["operators"][0]["purity"] = "impure"
    reg["operators"][0]["contract"]["digest"] = "md5:x"
    with pytest.raises(UserError, match=r"/operators/0/contract/digest.*\n.*/operators/0/purity"):
        validate_registry(reg)


def test_unresolved_operator_is_reported_with_location(tmp_path):
    # The registry was built from an older shop.cart, before line_total existed.
    old = tmp_path / "old" / "shop"
    old.mkdir(parents=True)
    (old / "cart.upel").write_text(
        'package shop.cart version "0.9.0";\nrecord Item { qty: u8, kind: u2, price: u16 }\n', encoding="utf-8")
    reg = build_registry(_docs(old / "cart.upel"))
    problems = check_registry(reg, _docs(SHOP / "checkout.upel"), "old.json", imports_only=True)
    assert problems == [(
        "shop/checkout.upel:11:3: operator shop.cart.line_total (used by a call in operator shop.checkout.pay) "
        "does not resolve in old.json: package shop.cart 0.9.0 is in it but has no operator line_total")]
    # Without --imports-only, the spec's own vectors and property calls count as well.
    everything = check_registry(reg, _docs(SHOP / "checkout.upel"), "old.json")
    assert any("used by its vectors" in p and p.startswith("shop/cart.upel:") for p in everything)
    assert any("used by a call in property shop.cart.line_positive" in p for p in everything)


def test_missing_package_and_signature_mismatch(tmp_path):
    reg = build_registry(_docs(SHOP / "cart.upel"))
    ok = check_registry(reg, _docs(SHOP / "checkout.upel"), "r.json", imports_only=True)
    assert ok == []
    changed = tmp_path / "shop"
    shutil.copytree(SHOP, changed)
    cart = changed / "cart.upel"
    cart.write_text(cart.read_text(encoding="utf-8").replace("price: u16", "price: u8"), encoding="utf-8")
    problems = check_registry(reg, _docs(changed / "checkout.upel"), "r.json", imports_only=True)
    assert len(problems) == 1
    assert problems[0].startswith("shop/checkout.upel:11:3: operator shop.cart.line_total (used by a call in "
                                  "operator shop.checkout.pay) has another signature in r.json (shop.cart 1.0.0): "
                                  "parameter 1 (i): the spec says shop.cart.Item (sha256:")
    foreign = build_registry(_docs(MEDTECH))
    (p,) = check_registry(foreign, _docs(SHOP / "checkout.upel"), "med.json", imports_only=True)
    assert p.endswith("does not resolve in med.json: it has no package shop.cart (it lists: medtech.infusion)")


def test_cli_registry_check(tmp_path, capsys):
    out = tmp_path / "cart.json"
    assert main(["registry", str(SHOP / "cart.upel"), "--out", str(out)]) == 0
    assert json.loads(out.read_text())["format"] == "upel-registry"
    assert main(["registry", "check", str(out), str(SHOP / "checkout.upel"), "--imports-only"]) == 0
    assert main(["registry", str(SHOP / "checkout.upel"), "--against", str(tmp_path / "nope.json"), "--out",
                 str(tmp_path / "x.json")]) == 1
    med = tmp_path / "med.json"
    assert main(["registry", str(MEDTECH), "--out", str(med)]) == 0
    capsys.readouterr()
    assert main(["registry", "check", str(med), str(SHOP / "checkout.upel"), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert not report["ok"] and any("shop.cart.line_total" in p for p in report["problems"])
    assert main(["registry", str(SHOP / "cart.upel")]) == 1  # --out missing: a clear error
