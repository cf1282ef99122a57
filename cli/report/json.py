"""A JSON array of {file, line, column, severity, code, message, hint}."""
from __future__ import annotations

import json
from typing import Sequence

from ...compiler.diagnostics import Diagnostic


def render(diags: Sequence[Diagnostic], files: Sequence[str]) -> str:
    return json.dumps([d.to_dict() for d in diags], indent=2, ensure_ascii=False) + "\n"
