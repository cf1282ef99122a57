"""`path:line:col: severity: CODE message`, with the hint on an indented line below."""
from __future__ import annotations

from typing import Sequence

from ..compiler.diagnostics import Diagnostic, Severity


def format_one(d: Diagnostic) -> str:
    line = f"{d.span.file}:{d.span.line}:{d.span.column}: {d.severity.value}: {d.code} {d.message}"
    if d.hint:
        line += f"\n    hint: {d.hint}"
    return line


def summary(diags: Sequence[Diagnostic], files: int) -> str:
    errors = sum(d.severity is Severity.ERROR for d in diags)
    warnings = sum(d.severity is Severity.WARNING for d in diags)
    plural = "" if files == 1 else "s"
    return f"{files} file{plural}: {errors} error{'' if errors == 1 else 's'}, " \
           f"{warnings} warning{'' if warnings == 1 else 's'}"


def render(diags: Sequence[Diagnostic], files: int) -> str:
    body = "\n".join(format_one(d) for d in diags)
    return (body + "\n" if body else "") + summary(diags, files) + "\n"
