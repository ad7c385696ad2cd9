"""Verification stage (Frama-C EVA): the generated entry points.

For each IR function F, `upel_eva_<F>()` builds every argument from the
whole value set of its type (Frama-C's interval built-ins; records field by
field, arrays element by element, enums over their members only) and calls
the generated C function once. EVA then explores all those inputs at once,
so an alarm anywhere below the call is a possible runtime error of F for
some valid input. The file is plain C and deterministic for a given IR.
"""

from __future__ import annotations

from upel.backends.c.emitter import Emitter

ENTRY_PREFIX = "upel_eva_"
UNROLL_LIMIT = 1024  # arrays up to this length are filled element by element (EVA `loop unroll`)


class EntryWriter:
    def __init__(self, doc: dict) -> None:
        self.em = Emitter(doc)
        self.doc = doc

    def value(self, t: dict, lv: str, out: list[str], indent: str, depth: int = 0) -> None:
        """Statements setting lvalue lv to any value of type t."""
        em = self.em
        if t["k"] == "array":
            k = f"k{depth}"
            if t["len"] <= UNROLL_LIMIT:
                out.append(f"{indent}/*@ loop unroll {t['len']}; */")
            out.append(f"{indent}for (uint32_t {k} = 0; {k} < {t['len']}u; {k}++) {{")
            self.value(t["elem"], f"{lv}.v[{k}]", out, indent + "    ", depth + 1)
            out.append(f"{indent}}}")
            return
        sc = em.scalar(t)
        if sc is None:
            d = em.ix.decl(t)
            for f in d["fields"]:
                self.value(f["type"], f"{lv}.{em.fields[(d['qname'], f['name'])]}", out, indent, depth)
            return
        if sc.is_bool:
            out.append(f"{indent}{lv} = Frama_C_interval(0, 1) != 0;")
            return
        if t["k"] == "named" and em.ix.decl(t)["kind"] == "enum":
            values = sorted({m["value"] for m in em.ix.decl(t)["members"]})
            if values[-1] - values[0] + 1 != len(values):  # not contiguous (values are distinct)
                table = ", ".join(sc.lit(v) for v in values)
                out.append(f"{indent}{{ static const {sc.base} upel_vals[] = {{ {table} }};")
                out.append(f"{indent}  {lv} = upel_vals[Frama_C_interval(0, {len(values) - 1})]; }}")
                return
            lo, hi = values[0], values[-1]
        else:
            lo, hi = sc.lo, sc.hi
        if sc.signed:
            out.append(f"{indent}{lv} = ({sc.base})Frama_C_long_long_interval({sc.lit(lo)}, {sc.lit(hi)});")
        else:
            out.append(f"{indent}{lv} = ({sc.base})Frama_C_unsigned_long_long_interval({sc.lit(lo)}, {sc.lit(hi)});")

    def entry(self, fn: dict) -> tuple[str, str]:
        """(entry name, C text of the entry function)."""
        em = self.em
        cname = em.cname[fn["qname"]]
        name = ENTRY_PREFIX + cname
        lines = [f"void {name}(void)", "{"]
        args = []
        for i, p in enumerate(fn["params"]):
            v = f"a{i}"
            lines.append(f"    static {em.ctype(p['type'])} {v};")
            self.value(p["type"], v, lines, "    ")
            args.append(f"&{v}" if em.is_agg(p["type"]) else v)
        lines.append(f"    static {em.ctype(fn['ret'])} r;")
        lines.append(f"    (void){cname}({', '.join(args + ['&r'])});")
        lines.append("}")
        return name, "\n".join(lines)

    def file(self, header_dir: str) -> tuple[str, dict[str, str]]:
        """(C text of the entry file, {function qname: entry name})."""
        parts = ["// Entry points for Frama-C EVA, generated from the IR (proofs/framac/entry.py).",
                 "#include \"__fc_builtin.h\""]
        parts += [f"#include \"{header_dir}/{em_stem}.h\"" for em_stem in
                  (self.em.file_stem(p) for p in self.doc["packages"])]
        entries = {}
        for p in self.doc["packages"]:
            for fn in p["functions"]:
                name, text = self.entry(fn)
                entries[fn["qname"]] = name
                parts += ["", text]
        return "\n".join(parts) + "\n", entries
