"""Verification stage (CBMC): reading `cbmc --json-ui --trace` output.

CBMC prints one JSON array of messages; the `result` message lists every
property (our `__CPROVER_assert`s, its built-in checks, the unwinding
assertions) with a status and, for a failure, the trace that reaches it.
`parse` turns it into `Check`s; `trace_args` reads the harness arguments
(`a0`, `a1`, ... in `main`) back from a trace as canonical UPEL values.
`parse_properties` reads `--show-properties`: the ids a run can be limited
to with `--property` (run.py's per-obligation reruns).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any


@dataclass
class Check:
    prop: str                 # CBMC's property id: main.assertion.1, f.overflow.2, main.unwind.0
    description: str
    status: str               # SUCCESS | FAILURE | UNKNOWN (CBMC's words)
    trace: list | None = None

    @property
    def is_unwinding(self) -> bool:
        return ".unwind." in self.prop

    @property
    def is_obligation(self) -> bool:
        return self.description.startswith("upel:")


@dataclass
class Outcome:
    checks: list[Check]
    errors: list[str]          # CBMC's ERROR messages (parse errors, type errors, ...)


def _messages(stdout: str) -> list | None:
    """CBMC's `--json-ui` output: a JSON list of messages, or None (a crash, other output)."""
    try:
        msgs = json.loads(stdout)
    except ValueError:
        return None
    return msgs if isinstance(msgs, list) else None


def parse(stdout: str) -> Outcome | None:
    """The checks of one run, or None when the output is not CBMC's JSON (a crash)."""
    msgs = _messages(stdout)
    if msgs is None:
        return None
    checks: list[Check] = []
    errors: list[str] = []
    seen_result = False
    for m in msgs:
        if not isinstance(m, dict):
            continue
        if m.get("messageType") == "ERROR":
            errors.append(str(m.get("messageText", "")))
        if "result" in m:
            seen_result = True
            for r in m["result"]:
                checks.append(Check(r.get("property", "?"), r.get("description", ""), r.get("status", "UNKNOWN"),
                                    r.get("trace")))
    if not seen_result and not errors:
        return None
    return Outcome(checks, errors)


def parse_properties(stdout: str) -> list[tuple[str, str]] | None:
    """(property id, description) of every property `--show-properties --json-ui` lists, in CBMC's
    order; None when the output is not such a listing. Unwinding assertions are not listed: symex
    creates them, and every run reports them whatever `--property` selects."""
    msgs = _messages(stdout)
    if msgs is None:
        return None
    lists = [m["properties"] for m in msgs if isinstance(m, dict) and isinstance(m.get("properties"), list)]
    if len(lists) != 1:
        return None
    out = []
    for p in lists[0]:
        if not isinstance(p, dict) or not isinstance(p.get("name"), str):
            return None
        out.append((p["name"], str(p.get("description", ""))))
    return out


# ---- counterexamples ---------------------------------------------------------------
_PATH = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)[A-Za-z]*\]")
_ARG = re.compile(r"^a(\d+)((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+[A-Za-z]*\])*)$")


def _tree(v: dict) -> Any:
    """CBMC's JSON value -> nested dicts keyed by member name / index, scalar leaves kept as is."""
    if "members" in v:
        return {m["name"]: _tree(m["value"]) for m in v["members"] if "value" in m}
    if "elements" in v:
        return {int(e["index"]): _tree(e["value"]) for e in v["elements"] if "value" in e}
    return v


def trace_args(trace: list, count: int) -> list[Any] | None:
    """The values of a0..a{count-1} when `main` passed them on (last assignment wins), as CBMC trees."""
    vals: dict[int, Any] = {}
    for step in trace:
        if step.get("stepType") != "assignment" or step.get("sourceLocation", {}).get("function") != "main":
            continue
        m = _ARG.match(str(step.get("lhs", "")))
        if not m or "value" not in step:
            continue
        i = int(m.group(1))
        path = [g1 if g1 else int(g2) for g1, g2 in _PATH.findall(m.group(2))]
        value = _tree(step["value"])
        if not path:
            vals[i] = value
            continue
        node = vals.setdefault(i, {})
        for p in path[:-1]:
            if not isinstance(node, dict) or "binary" in node:
                break
            node = node.setdefault(p, {})
        else:
            if isinstance(node, dict) and "binary" not in node:
                node[path[-1]] = value
    if any(i not in vals for i in range(count)):
        return None
    return [vals[i] for i in range(count)]


def leaf_int(v: Any, signed: bool) -> int | None:
    """A scalar leaf's integer from its two's complement bits."""
    if not isinstance(v, dict):
        return None
    bits = v.get("binary")
    if isinstance(bits, str) and bits and set(bits) <= {"0", "1"}:
        n = int(bits, 2)
        if signed and bits[0] == "1":
            n -= 1 << len(bits)
        return n
    data = str(v.get("data", "")).strip().lower()
    if data in ("true", "false"):
        return int(data == "true")
    try:
        return int(data.rstrip("lu"), 0)
    except ValueError:
        return None
