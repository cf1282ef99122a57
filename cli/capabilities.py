"""What the `virtc capabilities` command and `--capabilities FILE` options call.

Kept out of cli.py so the command line stays thin; cli.py wires these in:

    virtc capabilities [--emulator PATH]... [-o FILE] [--timeout S]
        → run_capabilities(emulators, output, timeout)
    virtc validate --capabilities FILE PATH...
        → validate_against(FILE, files)  (or load_capabilities + api.load_file(path, caps))
    virtc compile --capabilities FILE PATH
        → load_capabilities(FILE), then api.compile_domain(..., capabilities=caps)
"""
from __future__ import annotations

import sys
from typing import List, Optional, Sequence, Tuple

from ..compiler.diagnostics import Diagnostic, Span
from ..compiler.rules.codes import XML004

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def run_capabilities(emulators: Sequence[str], output: Optional[str],
                     timeout: float = 5.0, config=None) -> int:
    """Probe this host and print its capabilities XML (to `output` atomically when given).

    Probe warnings go to stderr. Exit 0 (warnings included), 2 when `output` can't be written.
    """
    from ..compiler.node import replace

    from ..compiler.capabilities.format import format_capabilities
    from ..discovery import ProbeConfig, discover
    from .report import ordered
    from .report.text import format_one

    config = replace(config or ProbeConfig(), timeout=timeout)
    caps, diags = discover(list(emulators) or None, config)
    for d in ordered(diags):
        print(format_one(d), file=sys.stderr)
    text = format_capabilities(caps)
    if output is None:
        sys.stdout.write(text)
        return EXIT_OK
    from .output import OutputError, write_atomically

    try:
        write_atomically(output, text)
    except OutputError as exc:
        print(f"virtc: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def load_capabilities(path: str) -> Tuple[Optional[object], List[Diagnostic]]:
    """(capabilities IR or None, diagnostics) for the document at `path`.

    A document of another kind is an XML004 error. Raises OSError when it can't be read.
    """
    from ..pipeline import load_file
    from ..compiler.capabilities.ir import Capabilities

    loaded = load_file(path)
    diags = list(loaded.diagnostics)
    if loaded.kind not in (None, "capabilities"):
        from ..compiler.diagnostics import Diagnostics

        extra = Diagnostics()
        extra.add(XML004, f"<{loaded.kind}> given where a <capabilities> document was "
                  "expected", Span(path, 1, 1),
                  hint="--capabilities takes the output of `virtc capabilities` or "
                       "`virsh capabilities`")
        return None, diags + extra.items
    caps = loaded.node if loaded.ok and isinstance(loaded.node, Capabilities) else None
    return caps, diags


_LOADED: dict = {}


def load_capabilities_once(path: str) -> Tuple[Optional[object], List[Diagnostic]]:
    """`load_capabilities`, read once per process: a batch run and each of its workers
    consult the same host document for every file. Raises OSError like it."""
    if path not in _LOADED:
        _LOADED[path] = load_capabilities(path)
    caps, diags = _LOADED[path]
    return caps, list(diags)


def validate_against(capabilities_path: str, paths: Sequence[str]) -> List[Diagnostic]:
    """Every diagnostic of the capabilities document and of each domain checked against it.

    When the capabilities document itself has errors, domains are still validated, only
    without the CAP5xx checks. Raises OSError when a file can't be read.
    """
    from ..pipeline import load_file

    caps, diags = load_capabilities(capabilities_path)
    for path in paths:
        diags.extend(load_file(path, capabilities=caps).diagnostics)
    return diags
