"""C backend: identifiers and comments.

Every exported C name is `<package prefix>_<item>` and allocated through one
`Namer` per document, so two items can never map to one C name (a clash gets
a numeric suffix, deterministically, in document order). Local names (params,
lets, fold variables, record fields) are kept readable but mangled away from
C keywords, names the C library may define as macros, identifiers the C
standard reserves for macros (a leading underscore, `E[0-9A-Z]...` of
<errno.h>, the `INT..._MAX` family and `*_t` types of <stdint.h> ...), ACSL
keywords, the runtime's `upel_` namespace and every exported name of the
document. (Names like `total` or `string` are kept: the `to*`/`str*`
reservations concern external linkage only, which locals never have.)

Spec text (doc comments, requirement ids, versions) only ever appears inside
`//` comments, rendered by `comment_text`: nothing can end the comment early,
splice the next line into it (a trailing backslash, a `??/` trigraph), or
trip gcc's warnings (`/*` inside comments, bidirectional control characters).
"""

from __future__ import annotations

import re
import unicodedata

C_KEYWORDS = frozenset({
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum",
    "extern", "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return",
    "short", "signed", "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void",
    "volatile", "while", "_Alignas", "_Alignof", "_Atomic", "_Bool", "_Complex", "_Generic", "_Imaginary",
    "_Noreturn", "_Static_assert", "_Thread_local", "bool", "true", "false", "alignas", "alignof",
    "static_assert", "thread_local", "typeof", "typeof_unqual", "constexpr", "nullptr", "asm", "fortran",
    "complex", "imaginary", "noreturn",
})

# Macros and objects of the C library headers the generated code or a user's
# translation unit is likely to include, and the ACSL words that are logic
# types or clause keywords (such a C name could not be written in a contract).
LIBRARY_NAMES = frozenset({
    "NULL", "offsetof", "size_t", "ptrdiff_t", "wchar_t", "max_align_t", "errno", "assert", "EOF", "BUFSIZ",
    "FILENAME_MAX", "FOPEN_MAX", "L_tmpnam", "SEEK_CUR", "SEEK_END", "SEEK_SET", "TMP_MAX", "stdin",
    "stdout", "stderr", "FILE", "fpos_t", "EXIT_SUCCESS", "EXIT_FAILURE", "RAND_MAX", "WEOF", "MB_CUR_MAX",
    "CHAR_BIT", "MB_LEN_MAX", "I", "HUGE_VAL", "HUGE_VALF", "HUGE_VALL", "INFINITY", "NAN",
    "math_errhandling", "setjmp", "longjmp", "jmp_buf", "va_arg", "va_start", "va_end", "va_copy", "va_list",
    "unix", "linux", "i386", "div_t", "ldiv_t", "integer", "real", "boolean", "requires", "ensures",
    "assigns", "assumes", "behavior", "behaviors", "complete", "disjoint", "decreases", "terminates",
    "allocates", "frees", "exits", "breaks", "continues", "returns", "reads", "writes", "loop", "invariant",
    "variant", "ghost",
})

RESERVED_PATTERNS = re.compile(
    r"^(?:_"
    r"|E[0-9A-Z]"
    r"|(?:atomic_|memory_order|cnd_|mtx_|thrd_|tss_)"
    r"|(?:PRI|SCN)[a-zX]"
    r"|(?:SIG|LC_|FE_|TIME_|ATOMIC_|FLT_|DBL_|LDBL_)[A-Z_]"
    r"|(?:U?INT(?:_LEAST|_FAST)?[0-9]*|U?INTMAX|U?INTPTR|PTRDIFF|SIZE|SIG_ATOMIC|WCHAR|WINT|CHAR|SCHAR|UCHAR|SHRT"
    r"|USHRT|LONG|ULONG|LLONG|ULLONG)_"
    r"|u?int(?:_least|_fast)?[0-9]+_t$|u?int(?:max|ptr)_t$"
    r"|[uU][pP][eE][lL]"
    r")"
)


def is_safe(name: str) -> bool:
    return not (name in C_KEYWORDS or name in LIBRARY_NAMES or RESERVED_PATTERNS.match(name))


def safe_ident(name: str) -> str:
    """A C identifier for an UPEL identifier ([A-Za-z_][A-Za-z0-9_]*) that is
    never a keyword, a library macro or a reserved identifier."""
    if is_safe(name):
        return name
    return "v_" + name.lstrip("_")


class Namer:
    """Hands out distinct names: `fresh(base)` returns base, or base_2, base_3...

    `outer` is a set of names that are taken too but shared, never copied (the
    document's exported names, for every function's locals)."""

    def __init__(self, taken=(), outer: frozenset[str] = frozenset()) -> None:
        self.used: set[str] = set(taken)
        self.outer = outer
        self._temps = 0

    def taken(self, name: str) -> bool:
        return name in self.used or name in self.outer

    def fresh(self, base: str) -> str:
        name, n = base, 1
        while self.taken(name):
            n += 1
            name = f"{base}_{n}"
        self.used.add(name)
        return name

    def snapshot(self) -> tuple[frozenset[str], int]:
        return frozenset(self.used), self._temps

    def restore(self, snap: tuple[frozenset[str], int]) -> None:
        self.used, self._temps = set(snap[0]), snap[1]

    def local(self, upel_name: str) -> str:
        return self.fresh(safe_ident(upel_name))

    def temp(self, base: str = "t") -> str:
        while True:
            self._temps += 1
            name = f"{base}{self._temps}"
            if not self.taken(name):
                self.used.add(name)
                return name


_BREAKERS = (("*/", "* /"), ("/*", "/ *"), ("??", "? ?"))


def comment_text(text: str) -> str:
    """One line of spec text made safe for a `//` comment (no newline inside)."""
    out = []
    for ch in text:
        o = ord(ch)
        if ch == "\t":
            out.append(" ")
        elif o < 0x20 or o == 0x7F or (o > 0x7F and unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")):
            # control, format (incl. bidirectional overrides), line/paragraph separators
            out.append(f"<U+{o:04X}>")
        else:
            out.append(ch)
    s = "".join(out)
    changed = True
    while changed:
        changed = False
        for bad, good in _BREAKERS:
            if bad in s:
                s = s.replace(bad, good)
                changed = True
    s = s.rstrip()
    if s.endswith("\\"):
        s += " ."  # a backslash at the end of a line would splice the next line into the comment
    return s


def comment_lines(lines: list[str], prefix: str = "// ") -> list[str]:
    """Spec text lines (which may still contain line breaks) as `//` comment lines."""
    out: list[str] = []
    for line in lines:
        for part in line.split("\n"):
            text = comment_text(part)
            out.append((prefix + text).rstrip())
    return out
