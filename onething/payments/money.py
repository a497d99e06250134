"""Amounts of money: integer fen (分) everywhere, shown as 元 with two decimals.

Apart from the models so that a front end formats an amount without importing them.
"""

from __future__ import annotations


def amount(fen: int) -> str:
    """40000 -> '400.00' (integer arithmetic, no floats)."""
    return f"{fen // 100:,}.{fen % 100:02d}"


def yuan(fen: int) -> str:
    """40000 -> '400.00 元'."""
    return f"{amount(fen)} 元"
