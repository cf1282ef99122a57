"""Read an xl.cfg file: a small tokenizer and parser after libxlu's own grammar.

xl.cfg is not Python (xl.cfg(5); tools/libxl/libxlu_cfg_l.l and libxlu_cfg_y.y):

- keys are `[a-z][_0-9a-z]*`; values are strings, numbers or bracketed lists, which may
  nest and span lines; `KEY = VALUE` or `KEY += LIST`, ended by a newline or `;`;
- strings are "..." or '...' on one line, with the escapes \\" \\' \\\\ \\a \\b \\f \\n \\r
  \\t \\v (libxlu's \\x and octal escapes drop the character, so they are refused here);
- a number is `[0-9][0-9a-fx]*`; libxlu keeps every atom as its text and converts it only
  when a key is read as a number (strtol base 0: decimal, octal with a leading 0, hex with
  0x). So a number keeps its text here too (XlNumber; `vncpasswd = 0123` is "0123"), and an
  atom such as `1abc` or `09` is no syntax error: it is text that isn't a number, reported
  only where a number is wanted. Negative numbers must be quoted ("-3600"): `-` is no token;
- `#` starts a comment that runs to the end of the line.

Every problem is reported with its line and column (XEN424); nothing is evaluated.
"""
from __future__ import annotations

import re
from typing import Any, List, Optional, Tuple

from ...compiler.diagnostics import Diagnostics, Span
from ...compiler.rules.codes import XEN424
from .settings import Setting, Settings, store
from ...compiler.node import Node

_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "n": "\n",
            "r": "\r", "t": "\t", "v": "\v"}
_IDENT = re.compile(r"[a-z][_0-9a-z]*")
_NUMBER = re.compile(r"[0-9][0-9a-fx]*")


class XlSyntaxError(Exception):
    def __init__(self, message: str, line: int, column: int, hint: Optional[str] = None):
        super().__init__(message)
        self.line, self.column, self.hint = line, column, hint


class Token(Node):
    kind: str       # IDENT NUMBER STRING NEWLINE EOF or the punctuation itself
    text: Any
    line: int
    column: int


def _string(src: str, i: int, line: int, col: int) -> Tuple[str, int]:
    quote, out, j = src[i], [], i + 1
    while j < len(src):
        ch = src[j]
        if ch == quote:
            return "".join(out), j + 1
        if ch == "\n":
            break
        if ch == "\\":
            nxt = src[j + 1] if j + 1 < len(src) else ""
            if nxt not in _ESCAPES:
                raise XlSyntaxError(f"escape \\{nxt} in a string: xl reads only \\\" \\' "
                                    "\\\\ \\a \\b \\f \\n \\r \\t \\v", line,
                                    col + (j - i))
            out.append(_ESCAPES[nxt])
            j += 2
            continue
        out.append(ch)
        j += 1
    raise XlSyntaxError("string not closed on its line", line, col,
                        hint="xl strings can't span lines; write \\n for a newline")


class XlNumber(int):
    """An xl number atom: its value, and the text it was written as (what xl gives a key
    that reads the atom as a string)."""

    text: str

    def __new__(cls, value: int, text: str) -> "XlNumber":
        number = super().__new__(cls, value)
        number.text = text
        return number


_STRTOL = re.compile(r"\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")


def strtol(text: str) -> Optional[int]:
    """The number in `text` as C's strtol(text, &end, 0) reads it when nothing may follow
    (libxlu's xlu_cfg_get_long): optional blanks and sign, then 0x hex, 0 octal or decimal.
    None when it isn't one."""
    m = _STRTOL.fullmatch(text)
    if m is None:
        return None
    digits = m.group(2)
    value = (int(digits[2:], 16) if digits[:2].lower() == "0x"
             else int(digits, 8) if digits.startswith("0") else int(digits))
    return -value if m.group(1) == "-" else value


def _atom(text: str) -> Any:
    value = strtol(text)
    return text if value is None else XlNumber(value, text)


def tokenize(src: str) -> List[Token]:
    tokens: List[Token] = []
    i, line, line_start = 0, 1, 0
    while i < len(src):
        ch, col = src[i], i - line_start + 1
        if ch in " \t" or (ch == "\r" and src[i + 1:i + 2] == "\n"):
            i += 1
        elif ch == "#":
            while i < len(src) and src[i] != "\n":
                i += 1
        elif ch == "\n":
            tokens.append(Token("NEWLINE", None, line, col))
            i, line, line_start = i + 1, line + 1, i + 1
        elif ch in "\"'":
            text, i = _string(src, i, line, col)
            tokens.append(Token("STRING", text, line, col))
        elif src.startswith("+=", i):
            tokens.append(Token("+=", None, line, col))
            i += 2
        elif ch in ",[]=;":
            tokens.append(Token(ch, None, line, col))
            i += 1
        elif _IDENT.match(src, i):
            m = _IDENT.match(src, i)
            tokens.append(Token("IDENT", m.group(), line, col))
            i = m.end()
        elif _NUMBER.match(src, i):
            m = _NUMBER.match(src, i)
            tokens.append(Token("NUMBER", _atom(m.group()), line, col))
            i = m.end()
        else:
            python = " (this looks like Python: is it an xm config?)" if ch in "+-.():" else ""
            raise XlSyntaxError(f"unexpected character {ch!r}{python}", line, col,
                                hint="xl keys are lower case; values are \"strings\", "
                                "numbers or [ lists ]")
    tokens.append(Token("EOF", None, line, i - line_start + 1))
    return tokens


class _Parser:
    def __init__(self, tokens: List[Token], file: str):
        self.tokens, self.pos, self.file = tokens, 0, file

    def peek(self) -> Token:
        return self.tokens[self.pos]

    def next(self) -> Token:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def fail(self, tok: Token, expected: str) -> XlSyntaxError:
        got = {"NEWLINE": "end of line", "EOF": "end of file"}.get(tok.kind)
        got = got or (repr(tok.text) if tok.text is not None else repr(tok.kind))
        return XlSyntaxError(f"expected {expected}, found {got}", tok.line, tok.column)

    def skip_newlines(self) -> None:
        while self.peek().kind == "NEWLINE":
            self.next()

    def value(self) -> Tuple[Any, Tuple[Span, ...]]:
        tok = self.next()
        if tok.kind in ("STRING", "NUMBER"):
            return tok.text, ()
        if tok.kind != "[":
            raise self.fail(tok, "a string, a number or [")
        items, spans = [], []
        self.skip_newlines()
        while self.peek().kind != "]":
            start = self.peek()
            item, _ = self.value()
            items.append(item)
            spans.append(Span(self.file, start.line, start.column))
            self.skip_newlines()
            if self.peek().kind == ",":
                self.next()
                self.skip_newlines()
            elif self.peek().kind != "]":
                raise self.fail(self.peek(), "',' or ']'")
        self.next()
        return items, tuple(spans)

    def settings(self, diags: Diagnostics) -> Settings:
        settings: Settings = {}
        while True:
            tok = self.next()
            if tok.kind == "EOF":
                return settings
            if tok.kind in ("NEWLINE", ";"):
                continue
            if tok.kind != "IDENT":
                raise self.fail(tok, "a key")
            op = self.next()
            if op.kind not in ("=", "+="):
                raise self.fail(op, "'=' or '+='")
            value, spans = self.value()
            end = self.peek()
            if end.kind not in ("NEWLINE", ";", "EOF"):
                raise self.fail(end, "end of line or ';'")
            span = Span(self.file, tok.line, tok.column)
            if op.kind == "+=":
                earlier = settings.pop(tok.text, None)
                if earlier is not None:
                    if not (isinstance(earlier.value, list) and isinstance(value, list)):
                        raise XlSyntaxError(f"'+=' on {tok.text} needs lists on both sides",
                                            op.line, op.column)
                    value, spans = earlier.value + value, earlier.item_spans + spans
            store(settings, Setting(tok.text, value, span, spans), diags)


def parse_xl(text: str, file: str, diags: Diagnostics) -> Optional[Settings]:
    try:
        return _Parser(tokenize(text), file).settings(diags)
    except XlSyntaxError as exc:
        diags.add(XEN424, f"not a valid xl config: {exc}", Span(file, exc.line, exc.column),
                  hint=exc.hint)
        return None
