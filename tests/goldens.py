"""Loading and compiling the golden cases, shared by the snapshot and real-QEMU tests."""
from __future__ import annotations

import pathlib
from typing import List, Optional, Tuple

from virtc.pipeline import compile_domain, default_target, load_bytes
from virtc.compiler.diagnostics import Diagnostics
from virtc.compiler.ir import Domain
from virtc.cli.report.text import format_one

ROOT = pathlib.Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
CASES = sorted(GOLDEN.glob("*.xml"))
# The dialect snapshots are frozen against; real runs use what is installed (7.2 here).
SNAPSHOT_QEMU_VERSION = "7.2"


def rel(path: pathlib.Path) -> str:
    return str(path.resolve().relative_to(ROOT))


def compile_case(path: pathlib.Path, target: Optional[str] = None, **kw
                 ) -> Tuple[Optional[Domain], Optional[object], List[str]]:
    """(domain, output, diagnostic lines) for one golden file."""
    loaded = load_bytes(path.read_bytes(), rel(path))
    diags = Diagnostics(list(loaded.diagnostics))
    output = None
    domain = loaded.node if loaded.ok and isinstance(loaded.node, Domain) else None
    if domain is not None:
        target = target or default_target(domain)
        kw.setdefault("qemu_version", SNAPSHOT_QEMU_VERSION)
        output = compile_domain(domain, target, diags, **kw)
        if diags.has_errors:
            output = None
    return domain, output, [format_one(d) for d in diags]


def cases_for(target: str) -> List[pathlib.Path]:
    """The golden cases that compile, by default, for `target` ("qemu" or "xen-xm")."""
    out = []
    for path in CASES:
        domain, output, _ = compile_case(path)
        if domain is not None and output is not None and default_target(domain) == target:
            out.append(path)
    return out


def qemu_cases() -> List[pathlib.Path]:
    return cases_for("qemu")


def xen_cases() -> List[pathlib.Path]:
    return cases_for("xen-xm")
