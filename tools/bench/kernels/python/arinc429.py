"""Hand-written ARINC 429 encode/decode in idiomatic Python (ints, a
NamedTuple, an exception carrying the error code). Same function as
avionics.arinc429 encode / decode."""

from __future__ import annotations

from typing import NamedTuple

PARITY_ERROR = 16


class ArincError(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class Word(NamedTuple):
    label: int
    sdi: int
    data: int
    ssm: int


def encode(w: Word) -> int:
    body = w.label | w.sdi << 8 | w.data << 10 | w.ssm << 29
    return body | ((body.bit_count() & 1) ^ 1) << 31


def decode(raw: int) -> Word:
    if not raw.bit_count() & 1:
        raise ArincError(PARITY_ERROR)
    return Word(raw & 0xFF, (raw >> 8) & 3, (raw >> 10) & 0x7FFFF, (raw >> 29) & 3)
