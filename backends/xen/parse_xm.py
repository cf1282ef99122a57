"""Read an xm config (Python syntax) with `ast`, accepting literal assignments only.

xm executes its config with Python; virtc never does. Each statement must be
`NAME = VALUE` where VALUE is an int, a string, or a list/tuple of those (a leading minus
and True/False are accepted as xm reads them). Anything else — imports, calls, arithmetic,
names — is reported at its line (XEN425) and the file is not imported.
"""
from __future__ import annotations

import ast
import re
import warnings
from typing import Any, Optional, Tuple

from ...compiler.diagnostics import Diagnostics, Span
from ...compiler.rules.codes import XEN424, XEN425
from .settings import Setting, Settings, store


class _NotLiteral(Exception):
    def __init__(self, node: ast.AST, what: str):
        self.node, self.what = node, what


def _describe(node: ast.AST) -> str:
    return {ast.Call: "a function call", ast.Name: "a variable", ast.BinOp: "arithmetic",
            ast.Attribute: "an attribute", ast.Dict: "a dict", ast.JoinedStr: "an f-string",
            ast.Subscript: "a subscript"}.get(type(node), f"an expression ({type(node).__name__})")


def _literal(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool):
            return int(node.value)
        if isinstance(node.value, (int, str)):
            return node.value
        raise _NotLiteral(node, f"a {type(node.value).__name__} constant")
    if (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
            and isinstance(node.operand, ast.Constant) and type(node.operand.value) is int):
        return -node.operand.value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(elt) for elt in node.elts]
    raise _NotLiteral(node, _describe(node))


class _Spans:
    """Spans of ast nodes. ast counts columns in UTF-8 bytes; a Span counts characters."""

    def __init__(self, file: str, text: str):
        self.file = file
        self.lines = re.split(r"\r\n|\r|\n", text)   # the line ends Python's tokenizer knows

    def __call__(self, node: ast.AST) -> Span:
        line = getattr(node, "lineno", 1)
        offset = getattr(node, "col_offset", 0)
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return Span(self.file, line, len(text.encode()[:offset].decode("utf-8", "replace")) + 1)

    def items(self, node: ast.AST) -> Tuple[Span, ...]:
        if isinstance(node, (ast.List, ast.Tuple)):
            return tuple(self(elt) for elt in node.elts)
        return ()


def parse_xm(text: str, file: str, diags: Diagnostics) -> Optional[Settings]:
    try:
        # Python's compiler warns on stderr about oddities such as `1abc`; a config we only
        # read as data has no business printing them, and its errors are diagnostics.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = ast.parse(text, filename=file)
    except SyntaxError as exc:
        diags.add(XEN424, f"not a valid xm config (Python syntax): {exc.msg}",
                  Span(file, exc.lineno or 1, exc.offset or 1),
                  hint="an xm config is Python assignments such as memory = 512")
        return None
    except ValueError as exc:   # e.g. a NUL byte in the source
        diags.add(XEN424, f"not a valid xm config: {exc}", Span(file, 1, 1))
        return None
    settings: Settings = {}
    ok = True
    spans = _Spans(file, text)
    for stmt in module.body:
        span = spans(stmt)
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)):
            diags.add(XEN425, f"{type(stmt).__name__.lower()} statement: virtc reads only "
                      "`NAME = literal` assignments and never runs the config", span,
                      hint="replace the statement with the values it computes")
            ok = False
            continue
        try:
            value = _literal(stmt.value)
        except _NotLiteral as exc:
            diags.add(XEN425, f"the value of {stmt.targets[0].id} is {exc.what}, not a "
                      "literal; virtc never runs the config", spans(exc.node),
                      hint="write the value itself: a number, a string or a list of strings")
            ok = False
            continue
        store(settings, Setting(stmt.targets[0].id, value, span,
                                spans.items(stmt.value)), diags)
    return settings if ok else None
