"""SARIF 2.1.0, the format GitHub code scanning and other SARIF viewers read.

One run; `tool.driver.rules` holds the registry entry of every rule a result refers to
(with its doc as help text), and each result points at its rule by `ruleId` and
`ruleIndex`. Relative paths are given against `%SRCROOT%`, which is what code scanning
resolves against the repository root.
"""
from __future__ import annotations

import json
import os
from typing import Dict, List, Sequence
from urllib.parse import quote

from ...compiler.diagnostics import Diagnostic, Severity
from ...compiler.rules import Rule, get

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/virtc/virtc/blob/main/docs/rules.md"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("virtc")
    except PackageNotFoundError:
        return "0+unknown"


def _artifact(path: str) -> dict:
    if os.path.isabs(path):
        return {"uri": "file://" + quote(path.replace(os.sep, "/"))}
    return {"uri": quote(path.replace(os.sep, "/")), "uriBaseId": "%SRCROOT%"}


def _rule(rule: Rule) -> dict:
    help_text = f"{rule.summary}\n\nWhy: {rule.why}\n\nExample:\n{rule.example}\n\nFix: {rule.fix}"
    markdown = (f"{rule.summary}\n\n**Why:** {rule.why}\n\n**Example:**\n\n```xml\n"
                f"{rule.example}\n```\n\n**Fix:** {rule.fix}")
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why},
        "help": {"text": help_text, "markdown": markdown},
        "helpUri": f"{INFORMATION_URI}#{rule.code.lower()}",
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"tags": [rule.family]},
    }


def _result(d: Diagnostic, index: int) -> dict:
    location: Dict[str, object] = {"artifactLocation": _artifact(d.span.file)}
    if d.span.line > 0:   # SARIF regions are 1-based; an unknown line gets no region
        region = {"startLine": d.span.line}
        if d.span.column > 0:
            region["startColumn"] = d.span.column
        location["region"] = region
    text = d.message + (f"\nhint: {d.hint}" if d.hint else "")
    return {
        "ruleId": d.code,
        "ruleIndex": index,
        "level": _LEVEL[d.severity],
        "message": {"text": text},
        "locations": [{"physicalLocation": location}],
    }


def document(diags: Sequence[Diagnostic], files: Sequence[str]) -> dict:
    codes = sorted({d.code for d in diags})
    rules: List[dict] = []
    for code in codes:
        rule = get(code)
        rules.append(_rule(rule) if rule else {"id": code})
    index = {code: i for i, code in enumerate(codes)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "virtc", "version": _version(),
                                "informationUri": INFORMATION_URI, "rules": rules}},
            "artifacts": [{"location": _artifact(f)} for f in files],
            "results": [_result(d, index[d.code]) for d in diags],
            "columnKind": "unicodeCodePoints",
        }],
    }


def render(diags: Sequence[Diagnostic], files: Sequence[str]) -> str:
    return json.dumps(document(diags, files), indent=2, ensure_ascii=False) + "\n"
