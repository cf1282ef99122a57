"""virtc: validate libvirt-style domain XML and compile it to QEMU argv or Xen config.

The API for scripts (docs/api.md has examples that run as doctests):

    import virtc

    for d in virtc.validate("guest.xml"):       # a path, or the document as bytes
        print(d)                                # file:line:col: severity: CODE message

    result = virtc.compile("guest.xml", qemu_version="7.2")
    if result.ok:
        subprocess.run(result.argv)             # or result.config for target='xen-xm'/'xen-xl'

Neither function raises for a bad document, or for a file that can't be read: every problem
is a `Diagnostic` in what they return. Only a wrong argument raises (`ValueError`: an
unknown target, or `UnknownVersion` for a QEMU or Xen version virtc has no dialect for).

Importing `virtc` imports nothing else: the pipeline loads on the first call.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Union

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .compiler.diagnostics import Diagnostic, Severity, Span
    from .pipeline import Loaded, UnknownVersion

__all__ = ["CompileResult", "Diagnostic", "Severity", "Source", "Span", "UnknownVersion",
           "compile", "validate"]

#: A document: a path (str or os.PathLike) to read, or the document itself as bytes.
Source = Union[str, "os.PathLike[str]", bytes]

TARGETS = ("qemu", "xen-xm", "xen-xl")


class CompileResult:
    """What `virtc.compile()` gives: the output, when there is one, and every diagnostic.

    `ok` is True when there is an output and no error. For target 'qemu', `argv` is the
    command line (a list: argv[0] is the emulator); for 'xen-xm' and 'xen-xl', `config` is
    the config file's text. The other of the two is None, and both are None when `ok` is
    False. `env` holds the variables QEMU's process needs on top of the caller's
    environment (a domain's `<qemu:env>`; usually empty): run the argv with
    `env={**os.environ, **result.env}`.
    """

    __slots__ = ("target", "argv", "config", "diagnostics", "env")

    def __init__(self, target: Optional[str], output: Union[List[str], str, None],
                 diagnostics: List["Diagnostic"],
                 env: Optional[Dict[str, str]] = None) -> None:
        self.target: Optional[str] = target
        self.argv: Optional[List[str]] = list(output) if isinstance(output, list) else None
        self.config: Optional[str] = output if isinstance(output, str) else None
        self.diagnostics: List[Diagnostic] = diagnostics
        self.env: Dict[str, str] = dict(env) if env and self.argv is not None else {}

    @property
    def output(self) -> Union[List[str], str, None]:
        """`argv` or `config`, whichever the target produces."""
        return self.argv if self.argv is not None else self.config

    @property
    def errors(self) -> List["Diagnostic"]:
        """The diagnostics of severity error."""
        from .compiler.diagnostics import Severity

        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def ok(self) -> bool:
        return self.output is not None and not self.errors

    def __repr__(self) -> str:
        return (f"CompileResult(target={self.target!r}, ok={self.ok}, "
                f"diagnostics={len(self.diagnostics)})")


def validate(source: Source, *, networks: Sequence[Source] = (),
             max_size: Optional[int] = None) -> List["Diagnostic"]:
    """Check one document (a `<domain>`, `<network>` or `<capabilities>`): parse, schema,
    semantic rules. Returns every diagnostic, in document order within each stage; the
    document is valid when none has severity error.

    `networks`: libvirt `<network>` documents (paths or bytes) that the domain's
    `<interface type='network'>` may name; their own problems are returned too.
    `max_size`: the input limit in bytes (default 10 MiB).
    """
    loaded, diagnostics = _load(source, max_size)
    if loaded is not None:
        diagnostics.extend(loaded.diagnostics)
        if networks:
            _networks(networks, diagnostics)
    return diagnostics


def compile(source: Source, target: Optional[str] = None, *,
            qemu_version: Optional[str] = None, xen_version: Optional[str] = None,
            emulator: Optional[str] = None, networks: Sequence[Source] = (),
            max_size: Optional[int] = None) -> CompileResult:
    """Validate one domain and compile it.

    `target`: 'qemu', 'xen-xm' or 'xen-xl'; None follows the domain (type='xen' → 'xen-xm',
    anything else → 'qemu'). `qemu_version`: the QEMU dialect ('7.2', '2.12', … see
    docs/qemu-dialects.md); None asks the emulator for its version (cached), else 7.2.
    `xen_version`: the Xen dialect (docs/xen-dialects.md). `emulator`: the path the argv
    names. `networks`: as for `validate()`.
    """
    if target is not None and target not in TARGETS:
        raise ValueError(f"unknown target {target!r}: one of {', '.join(TARGETS)}")
    from .pipeline import CompileOptions, compile_loaded

    loaded, diagnostics = _load(source, None if max_size is None else max_size)
    if loaded is None:
        return CompileResult(target, None, diagnostics)
    table = _networks(networks, diagnostics) if networks else None
    options = CompileOptions(target=target, networks=table, qemu_version=qemu_version,
                             emulator=emulator, xen_version=xen_version)
    compiled = compile_loaded(loaded, options)
    diagnostics.extend(compiled.diagnostics)
    failed = any(d.severity.value == "error" for d in diagnostics)
    return CompileResult(compiled.target, None if failed else compiled.output, diagnostics,
                         compiled.env)


def _load(source: Source, max_size: Optional[int]) -> "tuple[Optional[Loaded], List[Diagnostic]]":
    """The loaded document, or None with an XML009 diagnostic when a path can't be read."""
    from .pipeline import load_bytes, load_file

    if isinstance(source, (bytes, bytearray, memoryview)):
        return load_bytes(bytes(source), "<input>", max_size=max_size), []
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"a path or bytes, not {type(source).__name__}")
    path = os.fspath(source)
    try:
        return load_file(path, max_size=max_size), []
    except OSError as exc:
        from .compiler.diagnostics import Diagnostics, Span
        from .compiler.rules.codes import XML009

        diags = Diagnostics()
        diags.add(XML009, f"cannot read the file: {exc.strerror or exc}", Span(path, 0, 0),
                  hint="check the path and its permissions")
        return None, diags.items


def _networks(sources: Sequence[Source], diagnostics: List["Diagnostic"]) -> Any:
    """The network table from `<network>` documents, their problems added to diagnostics."""
    from .compiler import ir
    from .compiler.diagnostics import Span
    from .compiler.networks import network_table
    from .compiler.rules.codes import XML004
    from .compiler.diagnostics import Diagnostics

    nets = []
    side = Diagnostics()
    for source in sources:
        loaded, problems = _load(source, None)
        side.extend(problems)
        if loaded is None:
            continue
        side.extend(loaded.diagnostics)
        if loaded.kind not in (None, "network"):
            side.add(XML004, f"<{loaded.kind}> given where a <network> document was expected",
                     Span(loaded.file, 1, 1), hint="networks= takes libvirt network definitions")
        elif isinstance(loaded.node, ir.Network):
            nets.append(loaded.node)
    diagnostics.extend(side)
    return network_table(nets)


def __getattr__(name: str) -> Any:
    """`virtc.Diagnostic`, `virtc.Severity`, `virtc.Span` and `virtc.UnknownVersion`,
    imported when first used."""
    if name in ("Diagnostic", "Severity", "Span"):
        from .compiler import diagnostics

        return getattr(diagnostics, name)
    if name == "UnknownVersion":
        from .pipeline import UnknownVersion

        return UnknownVersion
    raise AttributeError(f"module 'virtc' has no attribute {name!r}")
