"""The command line's grammar: argparse for every command, and a shortcut for the hooks.

Kept apart from cli.py (which runs the commands) so that each stays readable; nothing here
imports argparse until a command line needs it.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Optional, Sequence

if TYPE_CHECKING:
    import argparse

def parser(only: Optional[str] = None) -> argparse.ArgumentParser:
    """The whole command line, or (with `only`) the top level and that one command.

    Building every subcommand's options costs several milliseconds of argparse work on
    each run; when the first word is a known command, nothing else can be parsed or shown.
    """
    import argparse

    p = argparse.ArgumentParser(prog="virtc", description="Validate libvirt-style domain XML and "
                                "compile it to a QEMU command line or a Xen xm config.")
    from .. import __version__

    p.add_argument("--version", action="version", version=f"virtc {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, add in COMMANDS.items():
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


def _add_run(sub) -> None:
    r = sub.add_parser("run", help="compile a domain and run it with QEMU, in the foreground",
                       description="Compile a domain for QEMU, prepare the host as libvirt's "
                       "start does (NVRAM from its template, swtpm for an emulated TPM, socket "
                       "directories), run QEMU in the foreground, and clean up afterwards. "
                       "Exit status: QEMU's; 1 for findings (nothing started); 2 usage error.")
    r.add_argument("path", metavar="PATH")
    r.add_argument("--dry-run", action="store_true",
                   help="print the commands as a shell script instead of running them")
    r.add_argument("--qmp", metavar="PATH", help="also give QEMU a QMP socket at PATH")
    r.add_argument("--runtime-dir", metavar="DIR",
                   help="where helper sockets and state go (default: a fresh "
                   "$XDG_RUNTIME_DIR/virtc-NAME-PID, removed afterwards; a DIR that exists is "
                   "kept)")
    r.add_argument("--qemu-version", metavar="X.Y", help="QEMU dialect (default: ask the "
                   "emulator, else 7.2)")
    r.add_argument("--emulator", metavar="PATH", help="the QEMU binary to run")
    r.add_argument("--network", action="append", default=[], metavar="FILE",
                   help="a libvirt <network> definition (repeatable)")
    _add_max_size(r)


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
COMMANDS = {"validate": _add_validate, "compile": _add_compile, "run": _add_run,
            "import": _add_import,
             "capabilities": _add_capabilities, "rules": _add_rules, "rule": _add_rule}


FORMATS = ("text", "json", "github", "sarif", "junit")   # virtc.report.FORMATS, without importing it


# From this many files on, a process per CPU pays for its start-up (a few ms per worker).
MANY_FILES = 200


def default_jobs(files: int) -> int:
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


# `virtc validate [--compile] FILE…` is what the pre-commit hooks run on every commit.
_QUICK_FLAGS = {"--compile": "compile", "--exit-zero": "exit_zero",
                "--warnings-as-errors": "warnings_as_errors"}


def quick_args(argv: Sequence[str]):
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
