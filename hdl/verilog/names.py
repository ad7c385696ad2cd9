"""Verilog backend: reserved words and text escaping for generated Verilog.

UPEL identifiers (`[A-Za-z_][A-Za-z0-9_]*`) may be Verilog or SystemVerilog
keywords (`module`, `wire`, `begin`, ...) and, since Verilator translates to
C++, C++ keywords (`class`, `new`, `switch`, ...). Every name that comes from
a spec and becomes a Verilog identifier goes through `mangle`.
"""

from __future__ import annotations

import re

# IEEE 1364-2005 (Verilog) keywords.
VERILOG_2005 = """
always and assign automatic begin buf bufif0 bufif1 case casex casez cell cmos config deassign default
defparam design disable edge else end endcase endconfig endfunction endgenerate endmodule endprimitive
endspecify endtable endtask event for force forever fork function generate genvar highz0 highz1 if
ifnone incdir include initial inout input instance integer join large liblist library localparam
macromodule medium module nand negedge nmos nor noshowcancelled not notif0 notif1 or output parameter
pmos posedge primitive pull0 pull1 pulldown pullup pulsestyle_ondetect pulsestyle_onevent rcmos real
realtime reg release repeat rnmos rpmos rtran rtranif0 rtranif1 scalared showcancelled signed small
specify specparam strong0 strong1 supply0 supply1 table task time tran tranif0 tranif1 tri tri0 tri1
triand trior trireg unsigned use uwire vectored wait wand weak0 weak1 while wire wor xnor xor
"""

# IEEE 1800-2017 (SystemVerilog) keywords beyond Verilog-2005.
SYSTEMVERILOG = """
accept_on alias always_comb always_ff always_latch assert assume before bind bins binsof bit break byte
chandle checker class clocking const constraint context continue cover covergroup coverpoint cross
dist do endchecker endclass endclocking endgroup endinterface endpackage endprogram endproperty
endsequence enum eventually expect export extends extern final first_match foreach forkjoin global
iff ignore_bins illegal_bins implements implies import inside int interconnect interface intersect
join_any join_none let local logic longint matches modport nettype new nexttime null package packed
priority program property protected pure rand randc randcase randsequence ref reject_on restrict
return s_always s_eventually s_nexttime s_until s_until_with sequence shortint shortreal soft solve
static string strong struct super sync_accept_on sync_reject_on tagged this throughout timeprecision
timeunit type typedef union unique unique0 until until_with untyped var virtual void wait_order weak
wildcard with within
"""

# C++ keywords and alternative tokens (Verilator's SYMRSVDWORD), plus names
# Verilator's generated C++ would trip over.
CPLUSPLUS = """
alignas alignof and_eq asm atomic_cancel atomic_commit atomic_noexcept auto bitand bitor bool case catch
char char8_t char16_t char32_t co_await co_return co_yield compl concept const_cast consteval constexpr
constinit decltype delete double dynamic_cast explicit false float friend goto inline long mutable
namespace noexcept not_eq nullptr operator or_eq private public reflexpr register reinterpret_cast
requires short sizeof static_assert static_cast switch template thread_local throw true try typeid
typename using volatile wchar_t xor_eq NULL errno stdin stdout stderr main exit abort signal
"""

RESERVED = frozenset((VERILOG_2005 + SYSTEMVERILOG + CPLUSPLUS).split()) | {"result", "err"}


def mangle(name: str) -> str:
    """Spec identifier -> Verilog identifier, injective.

    A name is kept unless it is reserved (a Verilog/SystemVerilog/C++ keyword,
    or one of the port names `result`/`err`) or ends with `_`; those get one
    `_` appended. Names ending with `_` only ever come from that rule, so two
    different spec names never meet.
    """
    if name in RESERVED or name.endswith("_"):
        return name + "_"
    return name


def module_base(pkg: str, name: str) -> str:
    """`avionics.arinc429` + `parity_bit` -> `avionics_arinc429_parity_bit`.

    Runs of underscores are collapsed (Verilator 5.006 cannot select a
    `--top-module` whose name contains `__`); the caller makes the result
    unique within the document.
    """
    raw = pkg.replace(".", "_") + "_" + name
    return re.sub(r"_+", "_", raw)


def comment_text(text: str) -> str:
    """One line of spec text, safe inside a `//` comment.

    Non-ASCII and control characters become `\\uXXXX` (`\\UXXXXXXXX` beyond the
    BMP), a backslash becomes `\\\\`, so the escaping is reversible and the
    comment can neither end early nor be read as a tool directive (callers
    always put a fixed prefix before the text).
    """
    out = []
    for ch in text:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif 0x20 <= o < 0x7F:
            out.append(ch)
        elif o <= 0xFFFF:
            out.append(f"\\u{o:04x}")
        else:
            out.append(f"\\U{o:08x}")
    return "".join(out)


def comment_lines(text_lines: list[str]) -> list[str]:
    """Spec text (doc lines, which may themselves contain line breaks) -> escaped lines."""
    out: list[str] = []
    for line in text_lines:
        # str.splitlines knows every Unicode line break; an empty doc line stays one empty line.
        out.extend(comment_text(part) for part in (line.splitlines() or [""]))
    return out
