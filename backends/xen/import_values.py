"""Typed reads of config settings, with line-accurate diagnostics for wrong values.

Xen's own readers are lenient about types: xend's Python takes "1" for 1 and libxlu keeps
every atom as a string until asked for a number. virtc accepts the same, and reports a
value it can't read (XEN427) at the line of its key.
"""
from __future__ import annotations

import difflib
import re
from typing import Any, Iterator, List, Optional, Set, Tuple

from ...compiler.diagnostics import Diagnostics, Severity, Span
from ...compiler.rules.codes import Code, XEN426, XEN427
from .parse_xl import XlNumber, strtol
from .settings import Setting, Settings
from ...compiler.node import Factory, Node


class ConfigReader(Node, mutable=True):
    settings: Settings
    file: str
    diags: Diagnostics
    source_format: str
    used: Set[str] = Factory(set)
    asked: Set[str] = Factory(set)     # every key the importer looked for: its vocabulary
    failed: bool = False

    @property
    def top(self) -> Span:
        return Span(self.file, 1, 1)

    def report(self, rule: Code, message: str, span: Span, hint: Optional[str] = None) -> None:
        """Report `rule` at its severity; an error means that nothing is imported."""
        if self.diags.add(rule, message, span, hint).severity is Severity.ERROR:
            self.failed = True

    def get(self, key: str) -> Optional[Setting]:
        self.asked.add(key)
        setting = self.settings.get(key)
        if setting is not None:
            self.used.add(key)
        return setting

    def bad(self, s: Setting, wanted: str) -> None:
        self.report(XEN427, f"{s.key} = {s.value!r}: expected {wanted}", s.span)

    def string(self, key: str) -> Optional[str]:
        s = self.get(key)
        if s is None:
            return None
        value = _text(s.value)
        if not isinstance(value, str):
            self.bad(s, "a string")
            return None
        return value

    def integer(self, key: str) -> Optional[int]:
        s = self.get(key)
        if s is None:
            return None
        value = s.value
        if isinstance(value, str):
            # libxlu reads a number key with strtol(base 0), so "-3600" and "0x10" are
            # numbers (blanks before, none after); xend's Python int() takes " 1 ".
            value = strtol(value) if self.source_format == "xen-xl" else (
                int(value.strip()) if re.fullmatch(r"\s*[+-]?[0-9]+\s*", value) else None)
        if not isinstance(value, int):
            self.bad(s, "a number")
            return None
        return int(value)

    def flag(self, key: str) -> Optional[bool]:
        value = self.integer(key)
        return None if value is None else value != 0

    def strings(self, key: str) -> Iterator[Tuple[int, str, Span]]:
        """(index, text, span) for a string or each string of a list."""
        s = self.get(key)
        if s is None:
            return
        items: List = [s.value] if isinstance(_text(s.value), str) else s.value
        if not isinstance(items, list):
            self.bad(s, "a string or a list of strings")
            return
        for index, item in enumerate(items):
            item = _text(item)
            if not isinstance(item, str):
                self.report(XEN427, f"item {index + 1} of {key} is {item!r}: expected a "
                            "string", s.item_span(index))
                continue
            yield index, item, (s.span if isinstance(_text(s.value), str) else s.item_span(index))

    def leftovers(self) -> None:
        known = sorted(self.asked - set(self.settings))
        for key, s in self.settings.items():
            if key not in self.used:
                close = difflib.get_close_matches(key, known, n=1, cutoff=0.8)
                hint = (f"if it is a misspelling: did you mean {close[0]}?" if close
                        else "check the imported domain does without it")
                self.report(XEN426, f"key {key} has no domain XML equivalent in virtc; "
                            "ignored", s.span, hint=hint)


def _text(value: Any) -> Any:
    """An xl number atom read as a string is the text it was written as (libxlu keeps
    every atom as text); any other value is itself."""
    return value.text if isinstance(value, XlNumber) else value


def entry_fields(entry: str) -> List[Tuple[str, Optional[str]]]:
    """Split "k=v,k2=v2,flag" into [(k, v), (k2, v2), (flag, None)]."""
    fields = []
    for part in entry.split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        fields.append((key.strip(), value if sep else None))
    return fields
