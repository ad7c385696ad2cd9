"""Diagnostics shared by every stage: located, coded, collected, rendered.

A user error is never an exception that escapes to the user: stages append
`Diagnostic`s to a `DiagnosticSink` and keep going where they can, so one run
reports several problems. Rendering follows the rustc/mypyc shape:

    specs/x.upel:3:7: error[UPEL-E0201]: type mismatch: expected u8, found bool
       3 |   let y: u8 = true;
         |               ^^^^
         = hint: ...

Codes are stable: each kind of problem has one code, listed in `CODES` with a
one-line explanation (docs/diagnostics.md is generated from it and a test
keeps the two in step).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from upel.syntax.ast import Loc

# code -> (title, explanation). Never renumber: users search for these.
CODES: dict[str, tuple[str, str]] = {
    # syntax (E00xx)
    "E0001": ("unexpected character", "The lexer met a character that starts no token."),
    "E0002": ("syntax error", "The parser met a token that cannot continue the construct; the message lists what could."),
    "E0003": ("unterminated block comment", "A `/*` comment has no closing `*/`."),
    "E0004": ("invalid integer literal", "A digit that is not valid in the literal's base, a misplaced `_`, or a prefix with no digits."),
    "E0005": ("unreadable source", "The file cannot be read or is not valid UTF-8."),
    "E0006": ("chained comparison", "Comparisons do not chain: write `a < b and b < c`."),
    "E0007": ("invalid string literal", "An unknown escape sequence or a malformed `\\u{...}`."),
    "E0008": ("invalid package header", "The header must read `package a.b version \"X.Y.Z\";` with a SemVer version."),
    "E0009": ("misplaced construct", "A construct that the grammar accepts here but the language does not (for example `ensures` on a property)."),
    "E0010": ("nesting too deep", "Expressions and types nest at most 200 levels (each operator of a chain like `a + b + ...` is one level); split the expression with `let` bindings."),
    # names and packages (E01xx)
    "E0101": ("package not found", "An imported package is in no file given and on no search-path root."),
    "E0102": ("unknown name", "A name that is not defined in this scope or package."),
    "E0103": ("duplicate definition", "Two items, members, fields or parameters with the same name."),
    "E0104": ("wrong kind of name", "A name used as a type, value, function or error that is something else."),
    "E0105": ("import cycle", "Packages that import each other, directly or through others."),
    "E0106": ("package version mismatch", "Files of one package declare different versions."),
    "E0110": ("invalid attribute", "An unknown attribute, or wrong arguments for a known one."),
    "E0111": ("shadowed name", "A binding that hides another binding in scope; choose another name."),
    "E0112": ("deprecated item used", "An item marked @deprecated is used (a warning)."),
    # types (E02xx)
    "E0201": ("type mismatch", "An expression has another type than its context requires."),
    "E0202": ("literal out of range", "An integer literal or constant does not fit the type it takes."),
    "E0203": ("cannot infer type", "A literal with no context to give it a type; annotate it or cast it."),
    "E0204": ("invalid integer type", "Integer widths are u1..u64 and i2..i64."),
    "E0205": ("operator not applicable", "The operator is not defined for the operand type."),
    "E0206": ("invalid cast", "`as` converts between integer-like types only, and from an enum only to its underlying type."),
    "E0207": ("record field error", "An unknown, missing or repeated field in a record literal or update."),
    "E0208": ("wrong number of arguments", "A call, built-in or vector with too many or too few arguments."),
    "E0209": ("not callable", "Something that is not a function or built-in is called."),
    "E0210": ("invalid array length", "Array lengths are constants from 1 to 65536, and a value may hold at most 2^20 scalars."),
    "E0211": ("invalid range", "A newtype range must be on an integer type, fit it, and have lo <= hi."),
    "E0212": ("invalid enum", "Enum discriminants must be distinct and fit the underlying integer type."),
    "E0213": ("non-exhaustive match", "A match must cover every value of its scrutinee; add the missing members or `_`."),
    "E0214": ("unreachable pattern", "A pattern repeated, or an arm after the wildcard."),
    "E0215": ("recursion", "Functions may not call themselves directly or indirectly; the call graph is acyclic."),
    "E0216": ("not a constant", "A place that needs a constant expression got something that depends on run-time values or calls a function."),
    "E0217": ("constant evaluation failed", "Evaluating a constant raised an error (overflow, division by zero, ...)."),
    "E0218": ("operation not allowed on ranged newtype", "Wrapping, bitwise and shift operators are not defined on ranged newtypes; cast to the underlying type."),
    "E0219": ("condition is not bool", "`if`, `requires`, `ensures`, properties and `and/or/not` need bool."),
    "E0220": ("invalid bit range", "`bits(x, hi, lo)` needs constants with width > hi >= lo; `bit` and shifts need unsigned amounts."),
    "E0221": ("invalid error code", "User error codes are 16..65535; 1..15 are reserved for built-ins."),
    "E0222": ("duplicate error code", "Error codes must be unique within a package."),
    "E0223": ("undeclared error", "A function raises (or calls a function that declares) an error that its `raises` clause does not list."),
    "E0224": ("invalid vector", "A vector set for an unknown function, or a vector whose argument count differs."),
    "E0225": ("invalid fold", "Fold bounds must be constants with 0 <= lo <= hi, and the index type must hold hi-1."),
    "E0226": ("invalid type declaration", "A newtype over something that is not bool or an integer type, or a record without fields."),
    # internal
    "E9999": ("internal error", "A bug in UPEL itself. Please report it with the input that caused it."),
}


@dataclass(slots=True)
class Diagnostic:
    code: str
    message: str
    loc: Loc | None
    hint: str | None = None
    severity: str = "error"  # "error" | "warning"
    notes: list[tuple[str, Loc | None]] = field(default_factory=list)

    def as_json(self) -> dict:
        d: dict = {"code": f"UPEL-{self.code}", "severity": self.severity, "message": self.message}
        if self.loc is not None:
            d["file"], d["line"], d["col"] = self.loc.file, self.loc.line, self.loc.col
        if self.hint:
            d["hint"] = self.hint
        return d


class DiagnosticSink:
    """Collects diagnostics; stages report into it and ask `has_errors`."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []
        self._seen: set[tuple] = set()

    def error(self, code: str, message: str, loc: Loc | None, hint: str | None = None) -> None:
        self._add(Diagnostic(code, message, loc, hint))

    def warning(self, code: str, message: str, loc: Loc | None, hint: str | None = None) -> None:
        self._add(Diagnostic(code, message, loc, hint, severity="warning"))

    def _add(self, d: Diagnostic) -> None:
        assert d.code in CODES, d.code
        key = (d.code, d.message, d.loc)
        if key not in self._seen:  # the same fact reached twice is said once
            self._seen.add(key)
            self.items.append(d)

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        def key(d: Diagnostic):
            loc = d.loc
            return (loc.file, loc.line, loc.col) if loc else ("", 0, 0)

        return sorted(self.items, key=key)


def render(d: Diagnostic, sources: dict[str, str]) -> str:
    """Render one diagnostic with its source line and caret, as plain text."""
    head = f"{d.severity}[UPEL-{d.code}]: {d.message}"
    if d.loc is None:
        lines = [head]
    else:
        lines = [f"{d.loc.file}:{d.loc.line}:{d.loc.col}: {head}"]
        text = sources.get(d.loc.file)
        if text is not None:
            # Split on "\n" only, as the lexer counts lines: splitlines() also breaks at
            # \f, \v, \x1c-\x1e, \x85, \u2028 and \u2029, and then showed the wrong source
            # line under a correct line number (found by tests/fuzz).
            src_lines = [ln.removesuffix("\r") for ln in text.split("\n")]
            if src_lines[-1] == "":
                src_lines.pop()  # like splitlines(): no empty line after the final newline
            if 1 <= d.loc.line <= len(src_lines):
                src = src_lines[d.loc.line - 1].expandtabs(1)
                num = str(d.loc.line)
                pad = " " * len(num)
                width = 1
                if d.loc.end_line == d.loc.line and d.loc.end_col > d.loc.col:
                    width = d.loc.end_col - d.loc.col
                width = max(1, min(width, len(src) - d.loc.col + 1))
                lines.append(f" {num} | {src}")
                lines.append(f" {pad} | {' ' * (d.loc.col - 1)}{'^' * width}")
    if d.hint:
        lines.append(f"   = hint: {d.hint}")
    for note, loc in d.notes:
        where = f"{loc.file}:{loc.line}:{loc.col}: " if loc else ""
        lines.append(f"   = note: {where}{note}")
    return "\n".join(lines)


class UserError(Exception):
    """A problem with the user's input that is not tied to a source location
    (a missing file, an unwritable output directory). The CLI prints it as
    one line and exits 1."""


def codes_markdown() -> str:
    """docs/diagnostics.md, generated from CODES (a test keeps them equal)."""
    lines = [
        "# UPEL diagnostics",
        "",
        "Every problem UPEL reports about a spec has a stable code. Messages look like:",
        "",
        "```",
        "specs/x.upel:3:7: error[UPEL-E0201]: type mismatch: expected u8, found bool",
        " 3 |   let y: u8 = true;",
        "   |               ^^^^",
        "   = hint: ...",
        "```",
        "",
        "`upel check --json` prints the same as objects with `code`, `severity`, `message`,",
        "`file`, `line`, `col` and `hint`. This page is generated from `upel/diagnostics.py`;",
        "examples of each code live in `tests/check/diagnostics/`.",
        "",
        "| code | title | meaning |",
        "|---|---|---|",
    ]
    for code, (title, text) in CODES.items():
        lines.append(f"| UPEL-{code} | {title} | {text} |")
    return "\n".join(lines) + "\n"
