"""The Xen golden cases (tests/xen_cases/<case>/) as data: what each directory holds and how
its files are read. tests/test_xen_cases.py runs the checks; this module only reads.

A case directory holds:

    domain.xml   the libvirt domain XML
    xm.cfg       the expected xm config (absent when xm can't express the domain)
    xl.cfg       the expected xl config (absent when xl can't express the domain)
    SOURCE       which libvirt test file or document the expectation follows
    xen-version  optional: the --xen-version both configs are for (e.g. 3.0.2 for old xend)

The expected configs are read as Xen reads them: xm.cfg with Python's `ast` (literal
assignments only, as xm executes it), xl.cfg with virtc's reader after libxlu's grammar.
"""
from __future__ import annotations

import ast
import pathlib
from typing import Any, Dict, List, Optional

from virtc.backends.xen.parse_xl import parse_xl
from virtc.compiler.diagnostics import Diagnostics

ROOT = pathlib.Path(__file__).resolve().parent.parent
CASES_DIR = ROOT / "tests" / "xen_cases"
CONFIG_FILES = {"xen-xm": "xm.cfg", "xen-xl": "xl.cfg"}
CASE_FILES = {"domain.xml", "SOURCE", "xen-version", *CONFIG_FILES.values()}


class Case:
    def __init__(self, path: pathlib.Path):
        self.path, self.name = path, path.name
        self.xml = path / "domain.xml"
        version = path / "xen-version"
        self.xen_version: Optional[str] = (version.read_text().strip()
                                           if version.exists() else None)

    def config(self, target: str) -> pathlib.Path:
        return self.path / CONFIG_FILES[target]

    @property
    def targets(self) -> List[str]:
        return [t for t in CONFIG_FILES if self.config(t).exists()]

    def rel(self, path: pathlib.Path) -> str:
        return str(path.relative_to(ROOT))

    def __repr__(self) -> str:
        return self.name


def cases() -> List[Case]:
    return [Case(p) for p in sorted(CASES_DIR.iterdir()) if p.is_dir()] \
        if CASES_DIR.is_dir() else []


def pairs() -> List[tuple]:
    """(case, target) for every expected config."""
    return [(c, t) for c in cases() for t in c.targets]


def pair_id(pair) -> str:
    case, target = pair
    return f"{case.name}-{CONFIG_FILES[target][:2]}"


def read_xm(text: str) -> Dict[str, Any]:
    """An xm config as Python reads it: every statement `NAME = literal`, no name twice."""
    values: Dict[str, Any] = {}
    for stmt in ast.parse(text).body:
        assert isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], ast.Name), \
            f"line {stmt.lineno}: an xm config is NAME = literal assignments"
        name = stmt.targets[0].id
        assert name not in values, f"line {stmt.lineno}: {name} assigned twice"
        value = ast.literal_eval(stmt.value)
        values[name] = list(value) if isinstance(value, tuple) else value
    return values


def read_xl(text: str) -> Dict[str, Any]:
    """An xl config as libxlu reads it (virtc's parse_xl): no diagnostic allowed."""
    diags = Diagnostics()
    settings = parse_xl(text, "xl.cfg", diags)
    assert settings is not None and not len(diags), [d.message for d in diags]
    return {k: s.value for k, s in settings.items()}


def read_config(text: str, target: str) -> Dict[str, Any]:
    return read_xm(text) if target == "xen-xm" else read_xl(text)


def key_differences(expected: Dict[str, Any], actual: Dict[str, Any]) -> List[str]:
    """One line per key that differs, in the expected file's order, then the extra keys."""
    out = []
    for key, want in expected.items():
        if key not in actual:
            out.append(f"{key}: missing (expected {want!r})")
        elif actual[key] != want:
            out.append(f"{key}: {actual[key]!r}, expected {want!r}"
                       + _list_detail(want, actual[key]))
    out += [f"{key}: not expected (virtc wrote {value!r})"
            for key, value in actual.items() if key not in expected]
    return out


def _list_detail(want: Any, got: Any) -> str:
    if not (isinstance(want, list) and isinstance(got, list)):
        return ""
    lines = []
    for i in range(max(len(want), len(got))):
        w = want[i] if i < len(want) else "(none)"
        g = got[i] if i < len(got) else "(none)"
        if w != g:
            lines.append(f"\n    [{i}] {g!r}\n    [{i}] expected {w!r}")
    return "".join(lines)
