"""Renderers of diagnostics: one module per output format, all over the same list.

Every renderer is `render(diags, files) -> str`, where `diags` is already in `ordered()`
order and `files` lists every checked file (clean ones too: junit makes a testcase of each).
Renderers are imported only when asked for, so a text run never loads the SARIF code.
"""
from __future__ import annotations

import importlib
from typing import Callable, List, Sequence

from ...compiler.diagnostics import Diagnostic, Severity

FORMATS = ("text", "json", "github", "sarif", "junit")

Renderer = Callable[[Sequence[Diagnostic], Sequence[str]], str]


def renderer(name: str) -> Renderer:
    if name not in FORMATS:
        raise ValueError(f"unknown format {name!r}; expected one of {', '.join(FORMATS)}")
    return importlib.import_module(f"{__name__}.{name}").render


def sort_key(d: Diagnostic):
    return (d.span.file, d.span.line, d.span.column, d.code)


def ordered(diags: Sequence[Diagnostic]) -> List[Diagnostic]:
    """Deterministic order: by file, then position, then code."""
    return sorted(diags, key=sort_key)


def counts(diags: Sequence[Diagnostic]):
    """(errors, warnings) in `diags`."""
    errors = sum(d.severity is Severity.ERROR for d in diags)
    warnings = sum(d.severity is Severity.WARNING for d in diags)
    return errors, warnings


def summary(diags: Sequence[Diagnostic], files: int) -> str:
    """`N files: E errors, W warnings`, the closing line of a run."""
    errors, warnings = counts(diags)
    return (f"{files} file{'' if files == 1 else 's'}: "
            f"{errors} error{'' if errors == 1 else 's'}, "
            f"{warnings} warning{'' if warnings == 1 else 's'}")
