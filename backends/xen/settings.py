"""What a parsed xm or xl config is: key → value, each with the line and column it came from.

Both parsers produce the same shape, so one importer (import_domain.py) turns either into
the IR. Values are ints, strings or (nested) lists of them, as in the file.
"""
from __future__ import annotations

from typing import Any, Dict, Tuple

from ...compiler.diagnostics import Diagnostics, Span
from ...compiler.rules.codes import XEN431
from ...compiler.node import Node


class Setting(Node):
    key: str
    value: Any                         # int | str | list
    span: Span                         # the assignment
    item_spans: Tuple[Span, ...] = ()  # one per list element, when value is a list

    def item_span(self, index: int) -> Span:
        return self.item_spans[index] if index < len(self.item_spans) else self.span


Settings = Dict[str, Setting]


def store(settings: Settings, setting: Setting, diags: Diagnostics) -> None:
    """Both xm (Python) and xl keep the last assignment of a repeated key; say so."""
    earlier = settings.pop(setting.key, None)
    if earlier is not None:
        diags.add(XEN431, f"key {setting.key} is assigned again; the value from line "
                  f"{earlier.span.line} is replaced", setting.span,
                  hint=f"keep one assignment of {setting.key}")
    settings[setting.key] = setting
