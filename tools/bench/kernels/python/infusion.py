"""Hand-written infusion programming in idiomatic Python. Same function as
medtech.infusion program_infusion (error codes and their order included)."""

from __future__ import annotations

from typing import NamedTuple

DOSE_ABOVE_HARD_LIMIT, DOSE_BELOW_HARD_LIMIT, RATE_ABOVE_PUMP_MAX = 16, 17, 18
RATE_BELOW_RESOLUTION, SOFT_LIMIT_NOT_CONFIRMED, INVALID_LIMITS = 19, 20, 21
ALERT_NONE, ALERT_SOFT_LOW, ALERT_SOFT_HIGH = 0, 1, 2


class InfusionError(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class Limits(NamedTuple):
    hard_min: int
    soft_min: int
    soft_max: int
    hard_max: int


class Order(NamedTuple):
    dose: int
    weight: int
    concentration: int
    limits: Limits
    soft_override: bool


class Programmed(NamedTuple):
    rate: int
    alert: int


def program_infusion(o: Order) -> Programmed:
    hard_min, soft_min, soft_max, hard_max = o.limits
    if not hard_min <= soft_min <= soft_max <= hard_max:
        raise InfusionError(INVALID_LIMITS)
    dose = o.dose
    if dose > hard_max:
        raise InfusionError(DOSE_ABOVE_HARD_LIMIT)
    if dose < hard_min:
        raise InfusionError(DOSE_BELOW_HARD_LIMIT)
    alert = ALERT_NONE
    if dose > soft_max or dose < soft_min:
        if not o.soft_override:
            raise InfusionError(SOFT_LIMIT_NOT_CONFIRMED)
        alert = ALERT_SOFT_HIGH if dose > soft_max else ALERT_SOFT_LOW
    denominator = o.concentration * 1000
    rate = (dose * o.weight * 6 + denominator // 2) // denominator
    if rate > 9999:
        raise InfusionError(RATE_ABOVE_PUMP_MAX)
    if rate == 0:
        raise InfusionError(RATE_BELOW_RESOLUTION)
    return Programmed(rate, alert)
