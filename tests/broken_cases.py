"""The broken-document corpus (tests/broken/*.xml): one defect each, at a known line.

Each file starts with `<!-- expect: CODE line N: WORD… | option=value… -->`: the code of
its first finding, the line of the defect (counting the header line), words the message
must contain (element, attribute or value names) and how to run it (`target=`,
`qemu-version=`, `schema=`, `capabilities=`, `xen-version=`). The empty-file case has no room for a header; its
expectation is in EMPTY below.
"""
from __future__ import annotations

import pathlib
import re
from dataclasses import dataclass, field
from typing import Dict, List

from virtc.pipeline import CompileOptions, compile_loaded, load_bytes
from virtc.compiler import ir
from virtc.compiler.diagnostics import Diagnostic, Diagnostics
from virtc.cli.report import ordered

ROOT = pathlib.Path(__file__).resolve().parent.parent
BROKEN = ROOT / "tests" / "broken"
_HEADER = re.compile(r"<!-- expect: (?P<code>\w+) line (?P<line>\d+): (?P<words>[^|]*?)"
                     r"(?: \| (?P<opts>.*?))? -->")
EMPTY = {"XML003-empty.xml": ("XML003", 1, [])}


@dataclass
class Case:
    path: pathlib.Path
    code: str
    line: int
    words: List[str]
    options: Dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.path.stem

    @property
    def rel(self) -> str:
        return str(self.path.relative_to(ROOT))


def cases() -> List[Case]:
    out = []
    for path in sorted(BROKEN.glob("*.xml")):
        if path.name in EMPTY:
            code, line, words = EMPTY[path.name]
            out.append(Case(path, code, line, words))
            continue
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        m = _HEADER.fullmatch(first)
        assert m, f"{path.name}: first line must be an expect header, got {first!r}"
        opts = dict(o.split("=", 1) for o in (m["opts"] or "").split())
        out.append(Case(path, m["code"], int(m["line"]), m["words"].split(), opts))
    return out


def diagnose(case: Case) -> List[Diagnostic]:
    """Everything `virtc validate --compile` (with the case's options) reports, in order."""
    source = case.path.read_bytes()
    host = None
    if "capabilities" in case.options:
        from virtc.cli.capabilities import load_capabilities

        host, _ = load_capabilities(str(ROOT / case.options["capabilities"]))
    loaded = load_bytes(source, case.rel, capabilities=host)
    diags = Diagnostics(list(loaded.diagnostics))
    if loaded.unlowered is not None or isinstance(loaded.node, ir.Domain):
        # The orchestrator's backend stage, as `validate --compile` runs it on a domain.
        options = CompileOptions(target=case.options.get("target"), capabilities=host,
                                 qemu_version=case.options.get("qemu-version", "7.2"),
                                 xen_version=case.options.get("xen-version"))
        diags = Diagnostics(compile_loaded(loaded, options).diagnostics)
    if "schema" in case.options and loaded.kind:
        from virtc.compiler.external_schema import check_external

        diags.extend(check_external(str(ROOT / case.options["schema"]), source, case.rel))
    return ordered(list(diags))
