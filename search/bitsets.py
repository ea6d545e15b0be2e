"""Sets of document numbers as Python integers: bit n is set when document n is in the set.

A search combines the documents of a few terms, the documents a viewer may see and those of every facet
value: with integers, union, intersection and counting are single operations in C (``|``, ``&``,
``int.bit_count``) whatever the size of the sets, where Python sets would visit every member.
Pure standard library; nothing here knows the search engine.
"""
from __future__ import annotations

from typing import Iterable

_BIT = tuple(1 << i for i in range(8))
_MEMBERS_OF_BYTE = tuple(tuple(i for i in range(8) if byte >> i & 1) for byte in range(256))


class Builder:
    """Collects document numbers below ``size`` into one bit set."""

    __slots__ = ("_buffer",)

    def __init__(self, size: int):
        self._buffer = bytearray((size >> 3) + 1)

    def add(self, numbers: Iterable[int], base: int = 0) -> None:
        buffer, bit = self._buffer, _BIT
        for number in numbers:
            number += base
            buffer[number >> 3] |= bit[number & 7]

    def bits(self) -> int:
        return int.from_bytes(self._buffer, "little")


def of(numbers: Iterable[int], size: int) -> int:
    builder = Builder(size)
    builder.add(numbers)
    return builder.bits()


def members(bits: int, skip: int = 0, limit: int | None = None) -> list[int]:
    """The numbers in ``bits``, in increasing order, after the first ``skip`` of them, at most ``limit``."""
    found: list[int] = []
    if bits <= 0 or limit == 0:
        return found
    data = bits.to_bytes((bits.bit_length() + 7) >> 3, "little")
    table = _MEMBERS_OF_BYTE
    for index, byte in enumerate(data):
        if not byte:
            continue
        inside = table[byte]
        if skip:
            if skip >= len(inside):
                skip -= len(inside)
                continue
            inside, skip = inside[skip:], 0
        base = index << 3
        found.extend(base + i for i in inside)
        if limit is not None and len(found) >= limit:
            return found[:limit]
    return found
