"""Hand-written posting and interest in idiomatic Python (NamedTuples,
exceptions with the error code; Python ints do not overflow, so the i64
balance limit is an explicit comparison). Same function as fintech.ledger
apply_posting / daily_interest."""

from __future__ import annotations

from typing import NamedTuple

DEBIT, CREDIT = 0, 1
TOO_FEW_LEGS, TOO_MANY_LEGS, NON_POSITIVE_AMOUNT, AMOUNT_TOO_LARGE = 16, 17, 18, 19
UNUSED_LEG_NOT_EMPTY, UNBALANCED, CURRENCY_MISMATCH, BALANCE_OVERFLOW, BELOW_FLOOR = 20, 21, 22, 23, 24
MAX_LEG_AMOUNT = 10**15
MAX_INTEREST_BALANCE = 10**12
INTEREST_DIVISOR = 3_650_000
I64_MIN, I64_MAX = -(2**63), 2**63 - 1


class LedgerError(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class Leg(NamedTuple):
    account: int
    direction: int
    amount: int


class Posting(NamedTuple):
    id: int
    currency: int
    leg_count: int
    legs: tuple[Leg, Leg, Leg, Leg]


class Account(NamedTuple):
    id: int
    currency: int
    normal_side: int
    balance: int
    floor: int


def _validate(p: Posting) -> int:
    if p.leg_count < 2:
        raise LedgerError(TOO_FEW_LEGS)
    if p.leg_count > 4:
        raise LedgerError(TOO_MANY_LEGS)
    debits = credits = 0
    for i, leg in enumerate(p.legs):
        if i < p.leg_count:
            if leg.amount <= 0:
                raise LedgerError(NON_POSITIVE_AMOUNT)
            if leg.amount > MAX_LEG_AMOUNT:
                raise LedgerError(AMOUNT_TOO_LARGE)
            if leg.direction == DEBIT:
                debits += leg.amount
            else:
                credits += leg.amount
        elif leg.amount != 0:
            raise LedgerError(UNUSED_LEG_NOT_EMPTY)
    if debits != credits:
        raise LedgerError(UNBALANCED)
    return debits


def apply_posting(a: Account, p: Posting) -> Account:
    _validate(p)
    if p.currency != a.currency:
        raise LedgerError(CURRENCY_MISMATCH)
    balance = a.balance
    for leg in p.legs[: p.leg_count]:
        if leg.account != a.id:
            continue
        balance += leg.amount if leg.direction == a.normal_side else -leg.amount
        if not I64_MIN <= balance <= I64_MAX:
            raise LedgerError(BALANCE_OVERFLOW)
        if balance < a.floor:
            raise LedgerError(BELOW_FLOOR)
    return a._replace(balance=balance)


def _div_half_even(n: int, d: int) -> int:
    q = abs(n) // d
    q = -q if n < 0 else q  # truncated toward zero
    twice = abs(n - q * d) * 2
    if twice < d or (twice == d and q % 2 == 0):
        return q
    return q - 1 if n < 0 else q + 1


def daily_interest(balance: int, rate_bp: int, days: int) -> int:
    if not -MAX_INTEREST_BALANCE <= balance <= MAX_INTEREST_BALANCE:
        raise LedgerError(AMOUNT_TOO_LARGE)
    return _div_half_even(balance * rate_bp * days, INTEREST_DIVISOR)
