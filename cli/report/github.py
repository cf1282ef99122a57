"""GitHub Actions workflow commands: each diagnostic becomes an annotation on its line.

Format: `::error file=F,line=L,col=C,title=CODE::message`. The runner splits properties
on `,` and `::`, and data on newlines, so both are percent-escaped the way the
actions/toolkit `command.ts` does it; the hint goes on a second line of the annotation.
"""
from __future__ import annotations

from typing import Sequence

from ...compiler.diagnostics import Diagnostic, Severity
from . import summary

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def format_one(d: Diagnostic) -> str:
    props = [f"file={_prop(d.span.file)}"]
    if d.span.line:
        props.append(f"line={d.span.line}")
        if d.span.column:
            props.append(f"col={d.span.column}")
    props.append(f"title={_prop(d.code)}")
    text = f"{d.code} {d.message}" + (f"\nhint: {d.hint}" if d.hint else "")
    return f"::{_LEVEL[d.severity]} {','.join(props)}::{_data(text)}"


def render(diags: Sequence[Diagnostic], files: Sequence[str]) -> str:
    lines = [format_one(d) for d in diags]
    lines.append(summary(diags, len(files)))
    return "\n".join(lines) + "\n"
