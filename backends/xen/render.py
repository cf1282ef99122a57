"""Lay a built config out as xm or xl text with Jinja2.

Jinja2 is imported here, inside the function, and the Environment is built once per
process: the pre-commit hook compiles for QEMU far more often than for Xen and must not
pay for it.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Optional

from .common import Config
from .literal import CODING_LINE, needs_coding_line, py_literal, xl_literal

TEMPLATES = Path(__file__).parent / "templates"
# Keys are written bare, so they must be plain identifiers: our own names, never data.
_KEY = re.compile(r"[a-z_][a-z0-9_]*\Z")

_ENV: Optional[Any] = None


def environment() -> Any:
    global _ENV
    if _ENV is None:
        import jinja2

        _ENV = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES)),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
        )
        _ENV.filters["py"] = py_literal
        _ENV.filters["xl"] = xl_literal
    return _ENV


def render(template: str, config: Config) -> str:
    for key in config:
        if not _KEY.match(key):
            raise AssertionError(f"xm key {key!r} is not an identifier")
    items = list(config.items())
    return environment().get_template(template).render(
        config=items,
        coding=needs_coding_line([value for _, value in items]),
        coding_line=CODING_LINE,
    )
