"""The `virtc` command line. Thin: parse arguments, call the API, render diagnostics.

Exit status: 0 clean, 1 findings (errors in a document), 2 usage or I/O error.
"""
from __future__ import annotations

import os
import sys
from typing import Optional, Sequence

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
EXIT_INTERNAL = 70  # EX_SOFTWARE: never expected; tests treat it as a failure


class UsageError(Exception):
    pass


def _parser(only: Optional[str] = None) -> argparse.ArgumentParser:
    """The whole command line, or (with `only`) the top level and that one command.

    Building every subcommand's options costs several milliseconds of argparse work on
    each run; when the first word is a known command, nothing else can be parsed or shown.
    """
    import argparse

    p = argparse.ArgumentParser(prog="virtc", description="Validate libvirt-style domain XML and "
                                "compile it to a QEMU command line or a Xen xm config.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, add in _COMMANDS.items():
        if only is None or name == only:
            add(sub)
    return p


def _add_validate(sub) -> None:
    v = sub.add_parser("validate", help="check domain and network XML files",
                       description="Check domain and network XML files. Exit status: 0 clean, "
                       "1 findings, 2 usage or I/O error.")
    v.add_argument("paths", nargs="+", metavar="PATH", help="files, or directories (their *.xml)")
    v.add_argument("--format", choices=FORMATS, default="text")
    v.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE (atomically)")
    v.add_argument("--compile", action="store_true",
                   help="also compile each valid domain for its default target (qemu, or "
                   "xen-xm for type='xen') and report what the backend finds")
    v.add_argument("--schema", action="append", default=[], metavar="[KIND=]FILE",
                   help="also validate against a RelaxNG (.rng) or XSD file; KIND (domain, "
                   "network) limits it to one kind of document (repeatable)")
    v.add_argument("--network", action="append", default=[], metavar="FILE",
                   help="with --compile: a libvirt <network> definition (repeatable); network "
                   "documents among the checked files are used too")
    v.add_argument("--qemu-version", metavar="X.Y", help="with --compile: QEMU dialect "
                   "(default: ask the emulator, else 7.2)")
    v.add_argument("--capabilities", metavar="FILE",
                   help="also check each domain against a host capabilities document "
                   "(from `virtc capabilities` or `virsh capabilities`)")
    v.add_argument("--exit-zero", action="store_true",
                   help="exit 0 even when there are findings (usage and I/O errors still exit 2)")
    v.add_argument("--warnings-as-errors", action="store_true",
                   help="report warnings as errors, so that they fail the run")
    v.add_argument("-j", "--jobs", type=_jobs, metavar="N",
                   help="check files in N processes (0: one per CPU; default: one per CPU "
                   f"from {MANY_FILES} files on, else 1); output is the same")
    _add_max_size(v)
    v.add_argument("--progress", choices=("auto", "never"), default="auto",
                   help="auto: a progress bar on stderr for runs over a second, on a terminal")


def _add_compile(sub) -> None:
    c = sub.add_parser("compile", help="compile one domain to a QEMU argv or a Xen xm config")
    c.add_argument("path", metavar="PATH")
    c.add_argument("--target", choices=("qemu", "xen-xm", "xen-xl"),
                   help="default: xen-xm for type='xen', qemu otherwise")
    c.add_argument("--format", choices=("shell", "json", "lines"), default="shell",
                   help="QEMU argv as one shell-quoted line, a JSON array, or one per line")
    c.add_argument("-o", "--output", metavar="FILE", help="write atomically to FILE")
    c.add_argument("--qemu-version", metavar="X.Y", help="QEMU dialect (default: ask the "
                   "emulator, else 7.2)")
    c.add_argument("--xen-version", metavar="X.Y[.Z]", help="Xen dialect for xen-xm/xen-xl "
                   "(default: 3.0.3 for xm, 4.10 for xl; see docs/xen-dialects.md)")
    c.add_argument("--emulator", metavar="PATH", help="emulator to name in the argv")
    c.add_argument("--network", action="append", default=[], metavar="FILE",
                   help="a libvirt <network> definition (repeatable)")
    c.add_argument("--capabilities", metavar="FILE",
                   help="check the domain against a host capabilities document, and take the "
                   "default emulator and machine from it when the domain names none")
    _add_max_size(c)


def _add_max_size(p) -> None:
    p.add_argument("--max-size", type=_size, metavar="SIZE",
                   help="refuse input files larger than SIZE bytes (K, M, G suffixes; "
                   "default 10M): a hostile file can't use more memory than that")


def _size(text: str) -> int:
    import argparse

    units = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    number, unit = text.strip().upper().rstrip("B"), ""
    if number and number[-1] in "KMG":
        number, unit = number[:-1], number[-1]
    try:
        value = int(number) * units[unit]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a size such as 65536, 512K or 10M, got {text!r}")
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def _add_import(sub) -> None:
    imp = sub.add_parser("import", help="turn a Xen xm or xl config into domain XML",
                         description="Read a Xen config (as data: it is never executed) and "
                         "print the domain XML it describes.")
    imp.add_argument("path", metavar="FILE")
    imp.add_argument("--from", dest="source_format", choices=("xen-xm", "xen-xl"),
                     required=True, help="the config's format")


def _add_capabilities(sub) -> None:
    caps = sub.add_parser("capabilities", help="probe this host and print its capabilities XML",
                          description="List what this host can run: arch, CPU features, and "
                          "each QEMU emulator's machines and domain types.")
    caps.add_argument("--emulator", action="append", default=[], metavar="PATH",
                      help="probe this emulator (repeatable); default: every qemu-system-*, "
                      "qemu-kvm and kvm on PATH, and the classic Xen qemu-dm locations")
    caps.add_argument("-o", "--output", metavar="FILE", help="write atomically to FILE")
    caps.add_argument("--timeout", type=float, default=5.0, metavar="SECONDS",
                      help="give up on an emulator that takes longer (default 5)")


def _add_rules(sub) -> None:
    r = sub.add_parser("rules", help="list every diagnostic code")
    r.add_argument("--format", choices=("text", "json", "markdown"), default="text")


def _add_rule(sub) -> None:
    one = sub.add_parser("rule", help="explain one diagnostic code: what, why, example, fix")
    one.add_argument("code", metavar="CODE", help="a code such as SEM206, or a rule name")
    one.add_argument("--format", choices=("text", "json", "markdown"), default="text")


# In the order `virtc --help` lists them.
_COMMANDS = {"validate": _add_validate, "compile": _add_compile, "import": _add_import,
             "capabilities": _add_capabilities, "rules": _add_rules, "rule": _add_rule}


FORMATS = ("text", "json", "github", "sarif", "junit")   # virtc.report.FORMATS, without importing it


# From this many files on, a process per CPU pays for its start-up (a few ms per worker).
MANY_FILES = 200


def _default_jobs(files: int) -> int:
    return (os.cpu_count() or 1) if files >= MANY_FILES else 1


def _jobs(text: str) -> int:
    import argparse

    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
    if n < 0:
        raise argparse.ArgumentTypeError("must be 0 (one per CPU) or more")
    return n or (os.cpu_count() or 1)


def _schemas(specs: Sequence[str]):
    if not specs:
        return ()
    from .external_schema import SchemaError, load

    KINDS = ("domain", "network")
    out = []
    for spec in specs:
        kind, sep, path = spec.partition("=")
        if not sep or kind not in KINDS:
            kind, path = None, spec
        try:
            load(path)            # fail early, once, with a usage error
        except SchemaError as exc:
            raise UsageError(str(exc))
        out.append((kind, path))
    return tuple(out)


def cmd_validate(args) -> int:
    from dataclasses import replace

    from .batch import InputError, Options, Progress, collect, run
    from .compiler.diagnostics import Severity
    from .report import counts, ordered, renderer, summary

    if args.qemu_version:
        from .backends.qemu.dialects import UnknownDialect, get_dialect

        try:
            get_dialect(args.qemu_version)
        except UnknownDialect as exc:
            raise UsageError(str(exc))
    opts = Options(compile=args.compile, schemas=_schemas(args.schema),
                   networks=tuple(args.network), qemu_version=args.qemu_version,
                   capabilities=args.capabilities, max_size=args.max_size)
    host_diags = _capabilities(args.capabilities)[1] if args.capabilities else []
    progress = Progress(enabled=False if args.progress == "never" else None)
    found = []   # (input order, findings) of the files that have any: clean files cost nothing
    try:
        files = collect(args.paths)
        jobs = args.jobs if args.jobs is not None else _default_jobs(len(files))
        for result in run(files, opts, jobs=jobs, progress=progress):
            if result.diagnostics:
                found.append((result.order, result.diagnostics))
    except InputError as exc:
        raise UsageError(str(exc))
    finally:
        progress.close()
    found.sort(key=lambda item: item[0])
    diags = host_diags + [d for _, ds in found for d in ds]
    if args.warnings_as_errors:
        diags = [replace(d, severity=Severity.ERROR) if d.severity is Severity.WARNING else d
                 for d in diags]
    diags = ordered(diags)
    report = renderer(args.format)(diags, files)
    if args.output:
        write_atomically(args.output, report)
    else:
        sys.stdout.write(report)
    if args.format not in ("text", "github") or args.output:
        print(summary(diags, len(files)), file=sys.stderr)
    errors, _ = counts(diags)
    return EXIT_FINDINGS if errors and not args.exit_zero else EXIT_OK


def _capabilities(path: Optional[str]):
    """(capabilities IR or None, its diagnostics); an unreadable file is a usage error."""
    if path is None:
        return None, []
    from .capabilities_cli import load_capabilities

    try:
        return load_capabilities(path)
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror or exc}")


def cmd_import(args) -> int:
    from .xen_cli import run_import

    return run_import(args.path, args.source_format)


def cmd_capabilities(args) -> int:
    from .capabilities_cli import run_capabilities

    return run_capabilities(args.emulator, args.output, timeout=args.timeout)


def cmd_rules(args) -> int:
    from .report.rules import listing

    sys.stdout.write(listing(args.format))
    return EXIT_OK


def cmd_rule(args) -> int:
    from .compiler.rules import lookup, suggest
    from .report.rules import describe

    rule = lookup(args.code)
    if rule is None:
        close = suggest(args.code)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UsageError(f"unknown rule {args.code!r}{hint} (virtc rules lists them all)")
    sys.stdout.write(describe(rule, args.format))
    return EXIT_OK


def cmd_compile(args) -> int:
    from .api import compile_domain, default_target, load_file, load_networks
    from .compiler import ir
    from .compiler.diagnostics import Diagnostics

    try:
        loaded = load_file(args.path, max_size=args.max_size)
    except OSError as exc:
        raise UsageError(f"{args.path}: {exc.strerror or exc}")
    host, host_diags = _capabilities(args.capabilities)
    if host is not None and loaded.ok and isinstance(loaded.node, ir.Domain):
        loaded = load_file(args.path, capabilities=host, max_size=args.max_size)
    diags = Diagnostics(list(host_diags) + list(loaded.diagnostics))
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
            output = _compile(loaded.node, target, diags, networks, args, host)
    _print_diagnostics(diags)
    if output is None or diags.has_errors:
        return EXIT_FINDINGS
    _emit(output, args.output)
    return EXIT_OK


def _compile(domain, target, diags, networks, args, host=None) -> Optional[str]:
    from .api import compile_domain
    from .backends.qemu.dialects import UnknownDialect

    unknown_version: tuple = (UnknownDialect,)
    if target != "qemu":     # a QEMU compile never loads the Xen backend
        from .backends.xen.dialects import UnknownXenVersion

        unknown_version += (UnknownXenVersion,)
    try:
        result = compile_domain(domain, target, diags, networks=networks,
                                qemu_version=args.qemu_version, emulator=args.emulator,
                                capabilities=host, xen_version=args.xen_version)
    except unknown_version as exc:
        raise UsageError(str(exc))
    if result is None:
        return None
    import json
    import shlex

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
    import tempfile

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


# `virtc validate [--compile] FILE…` is what the pre-commit hooks run on every commit.
_QUICK_FLAGS = {"--compile": "compile", "--exit-zero": "exit_zero",
                "--warnings-as-errors": "warnings_as_errors"}


def _quick_args(argv: Sequence[str]):
    """The namespace argparse would build for the hooks' command line, or None.

    Importing argparse and building the parser costs about 8 ms (argparse pulls in shutil
    and locale), an eighth of a cold run, for a command line that needs no parsing. Any
    other shape (options with values, a path starting with "-", help) goes to argparse;
    tests/test_lazy_imports.py checks that both give the same namespace.
    """
    if len(argv) < 2 or argv[0] != "validate":
        return None
    flags = {dest: False for dest in _QUICK_FLAGS.values()}
    paths = []
    closed = False      # argparse takes the paths as one run: more after a flag is an error
    for arg in argv[1:]:
        if arg in _QUICK_FLAGS:
            flags[_QUICK_FLAGS[arg]] = True
            closed = bool(paths)
        elif arg.startswith("-") or closed:
            return None
        else:
            paths.append(arg)
    if not paths:
        return None
    from types import SimpleNamespace

    return SimpleNamespace(command="validate", paths=paths, format="text", output=None,
                           schema=[], network=[], qemu_version=None, capabilities=None,
                           jobs=None, progress="auto", max_size=None, **flags)


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _quick_args(argv)
    if args is None:
        # Only when the command comes first: `virtc -h validate` must list every command.
        parser = _parser(argv[0] if argv and argv[0] in _COMMANDS else None)
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:       # argparse exits 2 on usage errors, 0 on --help
            return int(exc.code or 0)
    try:
        command = {"validate": cmd_validate, "compile": cmd_compile, "rules": cmd_rules,
                   "rule": cmd_rule, "capabilities": cmd_capabilities,
                   "import": cmd_import}[args.command]
        return command(args)
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
