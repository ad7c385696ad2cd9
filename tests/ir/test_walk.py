"""upel.ir.walk: the one IR traversal the back ends and provers share."""

from upel.ir.walk import nodes


def local(name: str) -> dict:
    return {"k": "local", "name": name, "t": {"k": "int", "bits": 8, "signed": False}}


FOLD = {"k": "fold", "var": "i", "acc": "s", "lo": 0, "hi": 3,
        "init": {"k": "call", "fn": "p.zero", "args": []},
        "body": {"k": "call", "fn": "p.step", "args": [local("s"), local("i")]}}


def test_document_order_parents_first():
    e = {"k": "bin", "op": "add", "a": local("x"), "b": [local("y"), {"k": "un", "a": local("z")}]}
    kinds = [(n.get("k"), n.get("name")) for n in nodes(e) if n.get("k") in ("bin", "un", "local")]
    assert kinds == [("bin", None), ("local", "x"), ("local", "y"), ("un", None), ("local", "z")]


def test_children_prunes_where_the_pass_says():
    everywhere = [n["fn"] for n in nodes(FOLD) if n.get("k") == "call"]
    outside = [n["fn"] for n in nodes(FOLD, lambda n: [n["init"]] if n.get("k") == "fold" else n.values())
               if n.get("k") == "call"]
    assert everywhere == ["p.zero", "p.step"] and outside == ["p.zero"]


def test_deep_trees_do_not_recurse():
    e = local("x")
    for _ in range(20_000):  # far past Python's recursion limit
        e = {"k": "un", "op": "neg", "a": e}
    assert sum(1 for n in nodes(e) if n.get("k") == "un") == 20_000
