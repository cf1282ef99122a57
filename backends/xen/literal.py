"""The one quoting filter: turn a config value into a Python literal for an xm file.

xm executes its config file with Python (2 on real Xen hosts), so this module is a security
boundary: whatever text a domain document carries, the output must parse back to exactly
that value and never to code. Only ASCII control characters, backslash and the double quote
are escaped; everything else is written as is. Non-ASCII stays raw UTF-8 because in a
Python 2 byte string `\\xNN` means a byte while in Python 3 it means a code point: raw text
plus a coding line is the only spelling both read back identically.
"""
from __future__ import annotations

from typing import Optional, Sequence, Union

Value = Union[int, str, Sequence[str]]

CODING_LINE = "# -*- coding: utf-8 -*-"

_NAMED = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape_char(ch: str) -> str:
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    if code < 0x20 or code == 0x7F:
        return f"\\x{code:02x}"
    return ch


def quote_string(text: str) -> str:
    return '"' + "".join(_escape_char(ch) for ch in text) + '"'


def _literal(value: Value, quote, tool: str) -> str:
    """An int, a str or a list of str, with strings quoted by `quote` (xm's or xl's)."""
    # bool is an int subclass; Xen wants 0/1, and a stray True would read back as a bool.
    if isinstance(value, bool):
        raise TypeError(f"{tool} values are 0/1 ints, not bools")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, (list, tuple)):
        # Strings, or lists of strings (xl's vnuma: one list per virtual node).
        if not all(isinstance(item, str) or (isinstance(item, (list, tuple)) and all(
                isinstance(sub, str) for sub in item)) for item in value):
            raise TypeError(f"{tool} lists hold strings (or lists of strings) only: {value!r}")
        if not value:
            return "[ ]"
        return "[ " + ", ".join(quote(item) if isinstance(item, str)
                                else _literal(item, quote, tool) for item in value) + " ]"
    raise TypeError(f"no {tool} literal for {type(value).__name__}: {value!r}")


def py_literal(value: Value) -> str:
    """A Python literal for an int, a str, or a list of str."""
    return _literal(value, quote_string, "xm")


def needs_coding_line(values: Sequence[Value]) -> bool:
    """True when any value carries non-ASCII text (Python 2 then needs a coding line)."""
    for value in values:
        items = value if isinstance(value, (list, tuple)) else (value,)
        for item in items:
            if isinstance(item, str) and not item.isascii():
                return True
    return False


def unencodable(text: str) -> bool:
    """True for text UTF-8 can't carry (lone surrogates), which no xm file can hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


# ---------------------------------------------------------------- xl.cfg strings
#
# xl does not run Python: libxlu's lexer (tools/libxl/libxlu_cfg_l.l) reads "..." or '...'
# with no raw newline, and xlu__cfgl_dequote() maps \" \' \\ \a \b \f \n \r \t \v. Its \xNN
# and octal escapes parse the digits but never store the character, so the other control
# characters (and NUL, which ends a C string) have no spelling at all: the xl backend
# reports them (XEN430) instead of writing something xl would read differently.

_XL_NAMED = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r",
             "\a": "\\a", "\b": "\\b", "\f": "\\f", "\v": "\\v"}


def xl_unrepresentable(text: str) -> Optional[str]:
    """The first character of `text` an xl string can't carry, or None."""
    for ch in text:
        if ch in _XL_NAMED:
            continue
        if ord(ch) < 0x20 or ch == "\x7f":
            return ch
    return None


def xl_quote_string(text: str) -> str:
    bad = xl_unrepresentable(text)
    if bad is not None:
        raise ValueError(f"xl strings can't carry U+{ord(bad):04X}")
    return '"' + "".join(_XL_NAMED.get(ch, ch) for ch in text) + '"'


def xl_literal(value: Value) -> str:
    """An xl.cfg value: a decimal int, a double-quoted string, or a list of strings."""
    return _literal(value, xl_quote_string, "xl")
