"""`path:line:col: severity: CODE message`, with the hint on an indented line below."""
from __future__ import annotations

from typing import Sequence

from ...compiler.diagnostics import Diagnostic
from . import summary


def format_one(d: Diagnostic) -> str:
    line = f"{d.span.file}:{d.span.line}:{d.span.column}: {d.severity.value}: {d.code} {d.message}"
    if d.hint:
        line += f"\n    hint: {d.hint}"
    return line


def render(diags: Sequence[Diagnostic], files: Sequence[str]) -> str:
    body = "\n".join(format_one(d) for d in diags)
    return (body + "\n" if body else "") + summary(diags, len(files)) + "\n"
