"""Amounts in capital Chinese numerals (大写金额), as written on approval lists and vouchers."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("", "拾", "佰", "仟")
GROUP_UNITS = ("", "万", "亿", "万亿")


def _group(number: int) -> str:
    """Four digits (0-9999) with their units; inner zeros read as one 零."""
    text, zero = "", False
    for position in range(3, -1, -1):
        digit = number // 10 ** position % 10
        if digit == 0:
            zero = bool(text)
            continue
        if zero:
            text += "零"
            zero = False
        text += DIGITS[digit] + SMALL_UNITS[position]
    return text


def capital_amount(amount: Decimal | int) -> str:
    """``Decimal('123456.78')`` → 壹拾贰万叁仟肆佰伍拾陆元柒角捌分; whole amounts end with 整."""
    value = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if value < 0:
        return "负" + capital_amount(-value)
    yuan = int(value)
    fen = int((value - yuan) * 100)
    if yuan >= 10 ** 16:
        raise ValueError("amount too large")
    groups = []
    number = yuan
    while number:
        groups.append(number % 10_000)
        number //= 10_000
    text = ""
    pending_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            pending_zero = bool(text)
            continue
        if text and (pending_zero or group < 1000):
            text += "零"
        text += _group(group) + GROUP_UNITS[index]
        pending_zero = False
    if yuan == 0:
        text = "" if fen else "零"
    if text:
        text += "元"
    jiao, fen_digit = divmod(fen, 10)
    if fen == 0:
        return text + "整"
    if jiao:
        text += DIGITS[jiao] + "角"
    elif text:
        text += "零"
    if fen_digit:
        text += DIGITS[fen_digit] + "分"
    else:
        text += "整"
    return text
