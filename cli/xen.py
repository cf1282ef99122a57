"""What `virtc import --from xen-xm|xen-xl FILE` runs; virtc/cli.py only parses arguments.

    run_import(path, source_format) -> exit status

The config is read without being executed (backends/xen/parse_xm.py uses `ast`,
parse_xl.py its own tokenizer), turned into IR, written as domain XML, and that XML is
then loaded like any document, so what is printed is known to validate against
schemas/domain.xsd and to pass the semantic rules. XML goes to stdout only when there is
no error; diagnostics go to stderr.
"""
from __future__ import annotations

import sys
from typing import Optional, TextIO, Tuple

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
SOURCE_FORMATS = ("xen-xm", "xen-xl")


def import_text(text: str, file: str, source_format: str, diags) -> Optional[str]:
    """Domain XML for a config's text, or None after an error (reported to `diags`)."""
    from ..pipeline import load_bytes
    from ..backends.domainxml import format_domain
    from ..backends.xen import import_config

    domain = import_config(text, file, source_format, diags)
    if domain is None or diags.has_errors:
        return None
    xml = format_domain(domain, diags)
    if xml is None:
        return None
    loaded = load_bytes(xml.encode("utf-8"), f"{file} (imported)")
    # Problems in the generated XML are virtc's or the config's; they are shown either way.
    diags.extend(loaded.diagnostics)
    return xml if loaded.ok and not diags.has_errors else None


def _read(path: str) -> Tuple[Optional[str], Optional[str]]:
    """(text, error message)."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        return None, f"{path}: {exc.strerror or exc}"
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, f"{path}: not UTF-8 text (byte {exc.start})"


def run_import(path: str, source_format: str, *, stdout: TextIO = None,
               stderr: TextIO = None) -> int:
    """Print the domain XML for the config at `path`; 0 ok, 1 errors found, 2 usage/I-O."""
    from ..compiler.diagnostics import Diagnostics
    from .report import ordered
    from .report.text import format_one

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    if source_format not in SOURCE_FORMATS:
        print(f"virtc: error: --from {source_format!r}: expected one of "
              f"{', '.join(SOURCE_FORMATS)}", file=stderr)
        return EXIT_USAGE
    text, problem = _read(path)
    if text is None:
        print(f"virtc: error: {problem}", file=stderr)
        return EXIT_USAGE
    diags = Diagnostics()
    xml = import_text(text, path, source_format, diags)
    for d in ordered(list(diags)):
        print(format_one(d), file=stderr)
    if xml is None:
        return EXIT_FINDINGS
    stdout.write(xml)
    return EXIT_OK
