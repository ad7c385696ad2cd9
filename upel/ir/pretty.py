"""IR stage: a readable, stable rendering of an IR document.

Used by `upel ir --pretty` and by the golden tests of the checker: every
expression is an s-expression tagged with its type, so a golden file shows
exactly what the checker decided (literal types, casts, evaluation order)
while staying easy to review in a diff. Source locations are left out so
that reformatting a spec does not change the rendering.
"""

from __future__ import annotations


def show_type(t: dict) -> str:
    k = t["k"]
    if k == "bool":
        return "bool"
    if k == "int":
        return f"{'i' if t['signed'] else 'u'}{t['width']}"
    if k == "named":
        return t["name"]
    return f"[{show_type(t['elem'])}; {t['len']}]"


def show_expr(e: dict) -> str:
    k, t = e["k"], show_type(e["t"])
    if k == "lit":
        v = e["v"]
        return f"{str(v).lower() if isinstance(v, bool) else v}:{t}"
    if k == "enum":
        return f"{e['t']['name'].rsplit('.', 1)[1]}.{e['member']}"
    if k == "local":
        return e["name"]
    if k == "const":
        return e["name"]
    if k == "un":
        return f"({e['op']}:{t} {show_expr(e['a'])})"
    if k == "bin":
        return f"({e['op']}:{t} {show_expr(e['a'])} {show_expr(e['b'])})"
    if k == "cast":
        return f"({'as!' if e['check'] else 'as'} {t} {show_expr(e['a'])})"
    if k == "enum_from":
        return f"({t}.from {show_expr(e['a'])})"
    if k == "call":
        return f"(call:{t} {e['fn']}" + "".join(" " + show_expr(a) for a in e["args"]) + ")"
    if k == "builtin":
        extra = f" {e['hi']} {e['lo']}" if e["name"] == "bits" else ""
        return f"({e['name']}:{t}" + "".join(" " + show_expr(a) for a in e["args"]) + extra + ")"
    if k == "if":
        return f"(if:{t} {show_expr(e['c'])} {show_expr(e['then'])} {show_expr(e['else'])})"
    if k == "match":
        arms = " ".join(
            f"[{'_' if a['pats'] is None else ' | '.join(map(_val, a['pats']))} => {show_expr(a['body'])}]"
            for a in e["arms"])
        return f"(match:{t} {show_expr(e['a'])} {arms})"
    if k == "block":
        lets = " ".join(f"(let {x['name']}:{show_type(x['t'])} {show_expr(x['e'])})" for x in e["lets"])
        return f"(block:{t} {lets} {show_expr(e['result'])})" if lets else show_expr(e["result"])
    if k == "record":
        return f"({t} " + " ".join(f"{f['name']}={show_expr(f['e'])}" for f in e["fields"]) + ")"
    if k == "field":
        return f"{show_expr(e['a'])}.{e['name']}"
    if k == "rec_with":
        return f"(with {show_expr(e['a'])} " + " ".join(f"{f['name']}={show_expr(f['e'])}" for f in e["fields"]) + ")"
    if k == "array":
        return "[" + ", ".join(show_expr(x) for x in e["elems"]) + f"]:{t}"
    if k == "repeat":
        return f"[{show_expr(e['e'])}; {e['n']}]"
    if k == "index":
        return f"{show_expr(e['a'])}[{show_expr(e['i'])}]"
    if k == "arr_with":
        return f"(with {show_expr(e['a'])} [{show_expr(e['i'])}]={show_expr(e['v'])})"
    if k == "fold":
        return (f"(fold:{t} {e['var']}:{show_type(e['var_t'])} {e['lo']}..{e['hi']} "
                f"{e['acc']}={show_expr(e['init'])} {show_expr(e['body'])})")
    if k == "raise":
        return f"(raise {e['error']}={e['code']})"
    raise AssertionError(k)


def _val(v) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, list):
        return "[" + ", ".join(_val(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_val(x)}" for k, x in v.items()) + "}"
    return str(v)


def _head(item: dict) -> list[str]:
    out = [f"  /// {d}" for d in item.get("doc", [])]
    if item.get("reqs"):
        out.append(f"  @req({', '.join(item['reqs'])})")
    if "deprecated" in item:
        out.append(f"  @deprecated({item['deprecated']})")
    return out


def pretty(doc: dict) -> str:
    lines = [f"ir {doc['format']} v{doc['ir_version']} root {doc['root']}"]
    for p in doc["packages"]:
        lines.append(f"package {p['name']} {p['version']}" + (f" imports {', '.join(p['imports'])}" if p["imports"] else ""))
        for t in p["types"]:
            lines += _head(t)
            if t["kind"] == "newtype":
                rng = f" in {t['range']['lo']}..={t['range']['hi']}" if "range" in t else ""
                lines.append(f"  type {t['name']} = {show_type(t['underlying'])}{rng}")
            elif t["kind"] == "enum":
                members = ", ".join(f"{m['name']} = {m['value']}" for m in t["members"])
                lines.append(f"  enum {t['name']}: {show_type(t['underlying'])} {{ {members} }}")
            else:
                fields = ", ".join(f"{f['name']}: {show_type(f['type'])}" for f in t["fields"])
                lines.append(f"  record {t['name']} {{ {fields} }}")
        for es in p["errors"]:
            lines += _head(es)
            lines.append(f"  error {es['name']} {{ " + ", ".join(f"{m['name']} = {m['code']}" for m in es["members"]) + " }")
        for c in p["consts"]:
            lines += _head(c)
            lines.append(f"  const {c['name']}: {show_type(c['type'])} = {_val(c['value'])}")
        for f in p["functions"]:
            lines += _head(f)
            params = ", ".join(f"{x['name']}: {show_type(x['type'])}" for x in f["params"])
            raises = f" raises {f['raises']}" if f["raises"] else ""
            lines.append(f"  fn {f['name']}({params}) -> {show_type(f['ret'])}{raises}")
            lines += [f"    requires {show_expr(r)}" for r in f["requires"]]
            lines += [f"    ensures {show_expr(r)}" for r in f["ensures"]]
            lines.append(f"    = {show_expr(f['body'])}")
        for pr in p["properties"]:
            lines += _head(pr)
            params = ", ".join(f"{x['name']}: {show_type(x['type'])}" for x in pr["params"])
            lines.append(f"  property {pr['name']}({params})")
            lines += [f"    requires {show_expr(r)}" for r in pr["requires"]]
            lines.append(f"    = {show_expr(pr['body'])}")
        for vs in p["vectors"]:
            lines.append(f"  vectors {vs['fn']}")
            for c in vs["cases"]:
                exp = c["expect"]
                res = f"error {exp['error']}" if "error" in exp else _val(exp["value"])
                lines.append(f"    ({', '.join(_val(a) for a in c['args'])}) -> {res}")
    return "\n".join(lines) + "\n"
