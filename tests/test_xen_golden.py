"""Xen golden cases (tests/golden_xen): xm, old-xend xm and xl output, each read back with `ast`.

Every case states, in `<!-- expect LABEL: {...} -->` comments, key values its output must
hold; the test parses the config with `ast` (xm is Python; virtc's xl output is a Python
literal subset too) and with virtc's own xl reader, and compares. Snapshots hold the whole
output per label; update them only by hand after checking (`pytest --snapshot-update`).
"""
from __future__ import annotations

import ast
import difflib
import pathlib
import re
from typing import Any, Dict, List, Optional, Tuple

import pytest

from virtc.pipeline import compile_domain, load_bytes
from virtc.backends.xen.parse_xl import parse_xl
from virtc.compiler.diagnostics import Diagnostics
from virtc.cli.report.text import format_one

ROOT = pathlib.Path(__file__).resolve().parent.parent
CASES = sorted((ROOT / "tests" / "golden_xen").glob("*.xml"))
LABELS = {"xm": ("xen-xm", None), "xm-3.0.2": ("xen-xm", "3.0.2"), "xl": ("xen-xl", None)}
_EXPECT = re.compile(r"<!-- expect ([\w.-]+): (.*?) -->")


def expectations(path: pathlib.Path) -> Dict[str, Any]:
    out = {}
    for label, body in _EXPECT.findall(path.read_text(encoding="utf-8")):
        out[label] = body if label == "error" else ast.literal_eval(body)
    return out


def rel(path: pathlib.Path) -> str:
    return str(path.relative_to(ROOT))


def compile_label(path: pathlib.Path, label: str) -> Tuple[Optional[str], List[str]]:
    target, version = LABELS[label]
    loaded = load_bytes(path.read_bytes(), rel(path))
    diags = Diagnostics(list(loaded.diagnostics))
    assert loaded.ok, [format_one(d) for d in diags]
    text = compile_domain(loaded.node, target, diags, xen_version=version)
    return (None if diags.has_errors else text), [format_one(d) for d in diags]


def read_with_ast(text: str) -> Dict[str, Any]:
    values: Dict[str, Any] = {}
    for stmt in ast.parse(text).body:
        assert isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name)
        assert stmt.targets[0].id not in values
        values[stmt.targets[0].id] = ast.literal_eval(stmt.value)
    return values


def test_there_are_at_least_30_cases():
    assert len([p for p in CASES if not p.stem.startswith("bad-")]) >= 30


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_golden_xen(path, snapshot):
    expected = expectations(path)
    results = {label: compile_label(path, label) for label in LABELS}
    assert snapshot == {label: {"config": text, "diagnostics": lines}
                        for label, (text, lines) in results.items()}
    if path.stem.startswith("bad-"):
        return
    assert {"xm", "xl"} & set(expected), "every case states what its output holds"
    for label, values in expected.items():
        text, lines = results[label]
        assert text is not None, lines
        parsed = read_with_ast(text)
        assert {k: parsed.get(k) for k in values} == values, label
        if label == "xl":
            diags = Diagnostics()
            settings = parse_xl(text, "out.cfg", diags)
            assert settings is not None and not len(diags)
            assert {k: s.value for k, s in settings.items()} == parsed


@pytest.mark.parametrize("path", [p for p in CASES if p.stem.startswith("bad-xen-net-")],
                         ids=lambda p: p.stem)
@pytest.mark.parametrize("label", ["xm", "xl"])
def test_interfaces_xen_cannot_carry_name_the_interface_line_and_target(path, label):
    text, lines = compile_label(path, label)
    assert text is None
    net_type = path.stem.rsplit("-", 1)[1]
    source = path.read_text().splitlines()
    line = next(n for n, l in enumerate(source, 1) if f'<interface type="{net_type}">' in l)
    [error] = [l for l in lines if "XEN402" in l]
    assert error.startswith(f"{rel(path)}:{line}:")
    assert f"<interface type='{net_type}'> can't be expressed" in error
    assert f"target {LABELS[label][0]}" in error


@pytest.mark.parametrize("stem", ["xen-hvm-cdrom", "xen-hvm-readonly-disk"])
def test_old_and_new_xend_differ_only_in_cdrom_and_ioemu(stem):
    path = ROOT / "tests" / "golden_xen" / f"{stem}.xml"
    new, _ = compile_label(path, "xm")
    old, _ = compile_label(path, "xm-3.0.2")
    changed = [l for l in difflib.ndiff(new.splitlines(), old.splitlines())
               if l[:2] in ("- ", "+ ")]
    assert {l[2:].split(" = ")[0] for l in changed} <= {"disk", "cdrom"}
    new_v, old_v = read_with_ast(new), read_with_ast(old)
    assert {k: v for k, v in new_v.items() if k not in ("disk", "cdrom")} == \
        {k: v for k, v in old_v.items() if k not in ("disk", "cdrom")}
    # Old xend: each HVM disk target gains ioemu:, and the hdc CD-ROM moves to cdrom=.
    moved = [e for e in new_v["disk"] if ",hdc:cdrom," in e]
    assert old_v["disk"] == [e.replace(",", ",ioemu:", 1) for e in new_v["disk"]
                             if e not in moved]
    assert old_v.get("cdrom") == (moved[0].split(",")[0].split(":", 1)[1] if moved else None)
