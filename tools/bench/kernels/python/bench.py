"""Python benchmark driver: `python bench.py KERNEL gen|hand N PREFIX GEN_DIR`.

Same inputs (splitmix64, pools of 16384), same loop and same checksum as
the C and Rust drivers (kernels/c/bench_*.c); prints the same report line.
`gen` imports the generated modules from GEN_DIR, `hand` the hand-written
ones next to this file. Raw inputs are built first, then turned into each
variant's objects, all before the clock starts.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

POOL = 16384
M64 = (1 << 64) - 1
ERR_TAG = 1 << 63
FOLD_INIT = 0xCBF29CE484222325
CUR = (756, 826, 840, 978, 392)


class SplitMix:
    def __init__(self, seed: int) -> None:
        self.s = seed

    def next(self) -> int:
        self.s = (self.s + 0x9E3779B97F4A7C15) & M64
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)


def fold(h: int, v: int) -> int:
    return ((h ^ (v & M64)) * 0x100000001B3) & M64


# ---- raw inputs (plain tuples), identical to the C drivers ----

def arinc_inputs() -> list:
    s, out = SplitMix(0x0429), []
    for _ in range(POOL):
        x = s.next()
        flip = 1 << ((x >> 35) & 31) if (x >> 32) & 7 == 0 else 0
        out.append(((x & 0xFF, (x >> 8) & 3, (x >> 10) & 0x7FFFF, (x >> 29) & 3), flip))
    return out


def ledger_inputs() -> list:
    s, out = SplitMix(0x1ED6E5), []
    for _ in range(POOL):
        x = s.next()
        acct_id, cur, side = 1 + (x & 3), CUR[((x >> 2) & 0xFF) % 5], (x >> 10) & 1
        y = s.next()
        kind = (x >> 11) & 15
        if kind == 0:
            balance = (2**63 - 1) - y % 3_000_000_000
        elif kind == 1:
            balance = -(2**63) + y % 3_000_000_000
        else:
            balance = y % 2_000_000_000_001 - 1_000_000_000_000
        floor = 0 if (x >> 15) & 1 else -((x >> 16) % 1_000_000_000)
        pid = s.next()
        pcur = cur if (x >> 46) & 31 else CUR[(x >> 51) % 5]
        z = s.next()
        leg_count = z & 7 if (z >> 3) & 15 == 0 else 2 + (z >> 7) % 3
        used = min(leg_count, 4)
        legs = [[0, 0, 0] for _ in range(4)]
        debits = credits = 0
        for k in range(used):
            r = s.next()
            account = 1 + ((r >> 32) & 3)
            if k > 0 and k == used - 1:
                credit = debits >= credits
                legs[k] = [account, int(credit), debits - credits if credit else credits - debits]
            else:
                d = 0 if k == 0 else 1 if k == 1 else (r >> 40) & 1
                amount = 1 + r % 1_000_000_000
                legs[k] = [account, d, amount]
                if d:
                    credits += amount
                else:
                    debits += amount
        w = s.next()
        k, kind = (w >> 5) & 3, w & 31
        if kind == 0:
            legs[k][2] = 0 if k < used else 5
        elif kind == 1:
            legs[k][2] = 1_000_000_000_000_001
        elif kind == 2:
            legs[k][2] += 1
        elif kind == 3:
            legs[k][2] = -legs[k][2]
        rate, days = s.next() % 10001, s.next() % 367
        out.append(((acct_id, cur, side, balance, floor), (pid, pcur, leg_count, [tuple(g) for g in legs]), rate, days))
    return out


def infusion_inputs() -> list:
    s, out = SplitMix(0x1F05E), []
    for _ in range(POOL):
        x, y, z, w = s.next(), s.next(), s.next(), s.next()
        dose = (x >> 21) % 6001 if (x >> 20) & 1 else (x >> 21) % 100_001
        weight = 500 + y % 299_501
        conc = 1600 if z & 1 else 1 + (z >> 1) % 100_000
        if w & 7:
            lim = (50, 200, 2000, 5000)
        else:
            a, b = (w >> 8) % 100_001, (w >> 25) % 100_001
            c = s.next() % 100_001
            lim = (a, b, c, s.next() % 100_001)
        out.append((dose, weight, conc, lim, bool((w >> 3) & 1)))
    return out


# ---- loops ----

def run_arinc(m, variant: str, n: int, prefix: int) -> tuple[int, int, int]:
    if variant == "gen":
        pool = [(m.Word(label=a, sdi=b, data=c, ssm=m.Ssm(d)), f) for (a, b, c, d), f in arinc_inputs()]
        err = m.rt.UpelError
    else:
        pool = [(m.Word(*w), f) for w, f in arinc_inputs()]
        err = m.ArincError
    encode, decode = m.encode, m.decode
    h = hp = FOLD_INIT
    t0 = time.perf_counter_ns()
    for i in range(n):
        w, flip = pool[i & (POOL - 1)]
        raw = encode(w)
        try:
            d = decode(raw ^ flip)
            low = d.label | d.sdi << 8 | d.data << 10 | int(d.ssm) << 29
        except err as e:
            low = 0x80000000 | e.code
        h = fold(h, raw << 32 | low)
        if i + 1 == prefix:
            hp = h
    return time.perf_counter_ns() - t0, h, hp


def run_ledger(m, variant: str, n: int, prefix: int) -> tuple[int, int, int]:
    pool = []
    for (aid, cur, side, bal, floor), (pid, pcur, lc, legs), rate, days in ledger_inputs():
        if variant == "gen":
            money = sys.modules["fintech_money"]
            acct = m.Account(id=aid, currency=money.Currency(cur), normal_side=m.Direction(side), balance=bal, floor=floor)
            post = m.Posting(id=pid, currency=money.Currency(pcur), leg_count=lc,
                             legs=tuple(m.Leg(account=a, direction=m.Direction(d), amount=x) for a, d, x in legs))
        else:
            acct = m.Account(aid, cur, side, bal, floor)
            post = m.Posting(pid, pcur, lc, tuple(m.Leg(*g) for g in legs))
        pool.append((acct, post, rate, days))
    err = m.rt.UpelError if variant == "gen" else m.LedgerError
    apply_posting, daily_interest = m.apply_posting, m.daily_interest
    h = hp = FOLD_INIT
    t0 = time.perf_counter_ns()
    for i in range(n):
        acct, post, rate, days = pool[i & (POOL - 1)]
        try:
            balance = apply_posting(acct, post).balance
        except err as e:
            h = fold(h, ERR_TAG | e.code)
        else:
            h = fold(h, balance)
            try:
                v = daily_interest(balance, rate, days)
            except err as e:
                v = ERR_TAG | e.code
            h = fold(h, v)
        if i + 1 == prefix:
            hp = h
    return time.perf_counter_ns() - t0, h, hp


def run_infusion(m, variant: str, n: int, prefix: int) -> tuple[int, int, int]:
    pool = []
    for dose, weight, conc, lim, soft in infusion_inputs():
        if variant == "gen":
            limits = m.DoseLimits(hard_min=lim[0], soft_min=lim[1], soft_max=lim[2], hard_max=lim[3])
            pool.append(m.Order(dose=dose, weight=weight, concentration=conc, limits=limits, soft_override=soft))
        else:
            pool.append(m.Order(dose, weight, conc, m.Limits(*lim), soft))
    err = m.rt.UpelError if variant == "gen" else m.InfusionError
    program = m.program_infusion
    h = hp = FOLD_INIT
    t0 = time.perf_counter_ns()
    for i in range(n):
        try:
            p = program(pool[i & (POOL - 1)])
            v = p.rate | int(p.alert) << 16
        except err as e:
            v = ERR_TAG | e.code
        h = fold(h, v)
        if i + 1 == prefix:
            hp = h
    return time.perf_counter_ns() - t0, h, hp


KERNELS = {
    "arinc429": ("avionics_arinc429", "arinc429", run_arinc),
    "ledger": ("fintech_ledger", "ledger", run_ledger),
    "infusion": ("medtech_infusion", "infusion", run_infusion),
}


def main() -> None:
    kernel, variant, n, prefix, gen_dir = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    gen_mod, hand_mod, run = KERNELS[kernel]
    sys.path.insert(0, gen_dir if variant == "gen" else str(Path(__file__).resolve().parent))
    m = __import__(gen_mod if variant == "gen" else hand_mod)
    ns, h, hp = run(m, variant, n, prefix)
    print(f"n={n} ns={ns} checksum={h:016x} prefix_n={prefix} prefix_checksum={hp:016x}")


if __name__ == "__main__":
    main()
