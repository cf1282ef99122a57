"""The `virtc` command line. Thin: parse arguments, call the API, render diagnostics.

Exit status: 0 clean, 1 findings (errors in a document), 2 usage or I/O error.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import tempfile
from typing import List, Optional, Sequence

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
EXIT_INTERNAL = 70  # EX_SOFTWARE: never expected; tests treat it as a failure


class UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="virtc", description="Validate libvirt-style domain XML and "
                                "compile it to a QEMU command line or a Xen xm config.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    v = sub.add_parser("validate", help="check domain and network XML files")
    v.add_argument("paths", nargs="+", metavar="PATH", help="files, or directories (their *.xml)")
    v.add_argument("--format", choices=("text", "json"), default="text")

    c = sub.add_parser("compile", help="compile one domain to a QEMU argv or a Xen xm config")
    c.add_argument("path", metavar="PATH")
    c.add_argument("--target", choices=("qemu", "xen-xm"),
                   help="default: xen-xm for type='xen', qemu otherwise")
    c.add_argument("--format", choices=("shell", "json", "lines"), default="shell",
                   help="QEMU argv as one shell-quoted line, a JSON array, or one per line")
    c.add_argument("-o", "--output", metavar="FILE", help="write atomically to FILE")
    c.add_argument("--qemu-version", metavar="X.Y", help="QEMU dialect (default: ask the "
                   "emulator, else 7.2)")
    c.add_argument("--emulator", metavar="PATH", help="emulator to name in the argv")
    c.add_argument("--network", action="append", default=[], metavar="FILE",
                   help="a libvirt <network> definition (repeatable)")
    return p


def _xml_files(paths: Sequence[str]) -> List[str]:
    files: List[str] = []
    for path in paths:
        if os.path.isdir(path):
            for top, dirs, names in os.walk(path):
                dirs.sort()
                files.extend(os.path.join(top, n) for n in sorted(names) if n.endswith(".xml"))
        elif os.path.exists(path):
            files.append(path)
        else:
            raise UsageError(f"{path}: no such file or directory")
    return files


def cmd_validate(args) -> int:
    from .api import load_file
    from .report import ordered, renderer

    files = _xml_files(args.paths)
    diags = []
    for path in files:
        try:
            diags.extend(load_file(path).diagnostics)
        except OSError as exc:
            raise UsageError(f"{path}: {exc.strerror or exc}")
    diags = ordered(diags)
    sys.stdout.write(renderer(args.format)(diags, len(files)))
    return EXIT_FINDINGS if any(d.severity.value == "error" for d in diags) else EXIT_OK


def cmd_compile(args) -> int:
    from .api import compile_domain, default_target, load_file, load_networks
    from .compiler import ir
    from .compiler.diagnostics import Diagnostics

    try:
        loaded = load_file(args.path)
    except OSError as exc:
        raise UsageError(f"{args.path}: {exc.strerror or exc}")
    diags = Diagnostics(list(loaded.diagnostics))
    output = None
    if loaded.ok and not isinstance(loaded.node, ir.Domain):
        diags.add("XML004", f"<{loaded.kind}> is not a domain; only domains compile",
                  _root_span(args.path), hint="compile a <domain> document")
    elif loaded.ok:
        try:
            networks = load_networks(args.network, diags)
        except OSError as exc:
            raise UsageError(f"{exc.filename}: {exc.strerror or exc}")
        if not diags.has_errors:
            target = args.target or default_target(loaded.node)
            output = _compile(loaded.node, target, diags, networks, args)
    _print_diagnostics(diags)
    if output is None or diags.has_errors:
        return EXIT_FINDINGS
    _emit(output, args.output)
    return EXIT_OK


def _compile(domain, target, diags, networks, args) -> Optional[str]:
    from .api import compile_domain
    from .backends.qemu.dialects import UnknownDialect

    try:
        result = compile_domain(domain, target, diags, networks=networks,
                                qemu_version=args.qemu_version, emulator=args.emulator)
    except UnknownDialect as exc:
        raise UsageError(str(exc))
    if result is None:
        return None
    if isinstance(result, str):
        if args.format == "json":
            return json.dumps({"target": target, "config": result}, ensure_ascii=False) + "\n"
        return result
    if args.format == "json":
        return json.dumps(list(result), ensure_ascii=False) + "\n"
    if args.format == "lines":
        return "".join(arg + "\n" for arg in result)
    return shlex.join(result) + "\n"


def _root_span(path):
    from .compiler.diagnostics import Span

    return Span(path, 1, 1)


def _print_diagnostics(diags) -> None:
    from .report import ordered
    from .report.text import format_one

    for d in ordered(list(diags)):
        print(format_one(d), file=sys.stderr)


def _emit(text: str, path: Optional[str]) -> None:
    if path is None:
        sys.stdout.write(text)
        return
    write_atomically(path, text)


def write_atomically(path: str, text: str) -> None:
    """Write through a temporary file in the same folder and rename it over `path`.

    On any failure the old file is untouched and the temporary file is removed.
    """
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".virtc-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror or exc}")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        if os.path.exists(path):
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise UsageError(f"{path}: {exc.strerror or exc}")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:       # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    try:
        if args.command == "validate":
            return cmd_validate(args)
        return cmd_compile(args)
    except UsageError as exc:
        print(f"virtc: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug in virtc: say so plainly, keep the traceback for debugging
        if os.environ.get("VIRTC_DEBUG"):
            raise
        print(f"virtc: internal error: {type(exc).__name__}: {exc} "
              f"(set VIRTC_DEBUG=1 for the traceback; please report it)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
