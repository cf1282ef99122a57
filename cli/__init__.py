"""The `virtc` command line. Thin: parse arguments, call the API, render diagnostics.

Exit status: 0 clean, 1 findings (errors in a document), 2 usage or I/O error.
"""
from __future__ import annotations

import os
import sys
from typing import Optional, Sequence

from .arguments import COMMANDS, default_jobs, parser, quick_args
from .output import OutputError, write_atomically

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
EXIT_INTERNAL = 70  # EX_SOFTWARE: never expected; tests treat it as a failure


class UsageError(Exception):
    pass


def _schemas(specs: Sequence[str]):
    if not specs:
        return ()
    from ..compiler.external_schema import SchemaError, load

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
    if args.jobs is None or args.jobs == 1:
        # libxml2 compiles the domain schema in a second thread while this one imports the
        # rest of virtc (a process pool waits for it before forking: batch._checked)
        from ..compiler.validate import prepare

        prepare("domain")
    from ..compiler.node import replace

    from .batch import InputError, Options, Progress, collect, run
    from ..compiler.diagnostics import Severity
    from .report import counts, ordered, renderer, summary

    if args.qemu_version:
        from ..backends.qemu.dialects import UnknownDialect, get_dialect

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
        jobs = args.jobs if args.jobs is not None else default_jobs(len(files))
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
    from .capabilities import load_capabilities_once

    try:
        return load_capabilities_once(path)
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror or exc}")


def cmd_import(args) -> int:
    from .xen import run_import

    return run_import(args.path, args.source_format)


def cmd_capabilities(args) -> int:
    from .capabilities import run_capabilities

    return run_capabilities(args.emulator, args.output, timeout=args.timeout)


def cmd_rules(args) -> int:
    from .report.rules import listing

    sys.stdout.write(listing(args.format))
    return EXIT_OK


def cmd_rule(args) -> int:
    from ..compiler.rules import lookup, suggest
    from .report.rules import describe

    rule = lookup(args.code)
    if rule is None:
        close = suggest(args.code)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UsageError(f"unknown rule {args.code!r}{hint} (virtc rules lists them all)")
    sys.stdout.write(describe(rule, args.format))
    return EXIT_OK


def cmd_run(args) -> int:
    from .run import cmd_run as run_guest

    return run_guest(args)


def cmd_compile(args) -> int:
    from ..pipeline import (CompileOptions, UnknownVersion, compile_loaded, load_file,
                            load_networks)
    from ..compiler.diagnostics import Diagnostics

    host, host_diags = _capabilities(args.capabilities)
    try:
        loaded = load_file(args.path, capabilities=host, max_size=args.max_size)
        side = Diagnostics(list(host_diags))
        networks = load_networks(args.network, side) if loaded.ok else None
    except OSError as exc:
        raise UsageError(f"{exc.filename or args.path}: {exc.strerror or exc}")
    options = CompileOptions(args.target, networks, args.qemu_version, args.emulator, host,
                             args.xen_version)
    try:
        # The network files' own findings stop the compile, as the document's would.
        compiled = compile_loaded(loaded, options) if not side.has_errors else None
    except UnknownVersion as exc:
        raise UsageError(str(exc))
    found = side.items + (compiled.diagnostics if compiled else list(loaded.diagnostics))
    _print_diagnostics(found)
    if compiled is None or not compiled.ok:
        return EXIT_FINDINGS
    _emit(_render(compiled.output, compiled.target, args.format, compiled.env), args.output)
    return EXIT_OK


def _render(result, target: str, fmt: str, env=None) -> str:
    """The output in `fmt`. A QEMU environment (<qemu:env>) comes first, as libvirt's
    domxml-to-native writes it: NAME=value words before the emulator (shell: a command
    prefix that sets them; lines: one per line), and JSON becomes {"env": {…}, "argv": […]}
    so that no reader runs the argv without it."""
    import json
    import shlex

    if isinstance(result, str):
        if fmt == "json":
            return json.dumps({"target": target, "config": result}, ensure_ascii=False) + "\n"
        return result
    env = env or {}
    if fmt == "json":
        if env:
            return json.dumps({"env": env, "argv": list(result)}, ensure_ascii=False) + "\n"
        return json.dumps(list(result), ensure_ascii=False) + "\n"
    if fmt == "lines":
        return "".join(arg + "\n" for arg in [f"{k}={v}" for k, v in env.items()] + list(result))
    # NAME stays unquoted (SEM320 and the schema keep it a valid name), or the shell would
    # not take the word as an assignment
    return " ".join([f"{k}={shlex.quote(v)}" for k, v in env.items()]
                    + [shlex.join(result)]) + "\n"


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


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = quick_args(argv)
    if args is None:
        # Only when the command comes first: `virtc -h validate` must list every command.
        grammar = parser(argv[0] if argv and argv[0] in COMMANDS else None)
        try:
            args = grammar.parse_args(argv)
        except SystemExit as exc:       # argparse exits 2 on usage errors, 0 on --help
            return int(exc.code or 0)
    try:
        command = {"validate": cmd_validate, "compile": cmd_compile, "rules": cmd_rules,
                   "rule": cmd_rule, "capabilities": cmd_capabilities,
                   "import": cmd_import, "run": cmd_run}[args.command]
        return command(args)
    except (UsageError, OutputError) as exc:
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


def run() -> None:
    """The `virtc` console script and `python -m virtc`: main(), then a quick exit.

    A run is one short process (a pre-commit hook, a CI step), so the cyclic garbage
    collector is switched off (a batch of many files turns it back on: cli/batch.py), and
    once the output is flushed the process ends with
    os._exit: tearing the interpreter down (freeing every module, object and cached schema)
    costs 7 to 13 ms that nobody waits for. Every file virtc writes is closed by then
    (cli/output.py writes atomically), and a process pool has been shut down.
    """
    import gc

    gc.disable()
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):    # a closed pipe: nothing more can be said
            code = code or EXIT_USAGE
    os._exit(code)


if __name__ == "__main__":
    run()
