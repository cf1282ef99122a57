"""Renderers of diagnostics: one module per output format, all over the same list."""
from __future__ import annotations

from typing import Callable, Dict, List, Sequence

from ..compiler.diagnostics import Diagnostic

FORMATS = ("text", "json")


def renderer(name: str) -> Callable[[Sequence[Diagnostic], int], str]:
    if name == "json":
        from .json import render
    else:
        from .text import render
    return render


def sort_key(d: Diagnostic):
    return (d.span.file, d.span.line, d.span.column, d.code)


def ordered(diags: Sequence[Diagnostic]) -> List[Diagnostic]:
    """Deterministic order: by file, then position, then code."""
    return sorted(diags, key=sort_key)
