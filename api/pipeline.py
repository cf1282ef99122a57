"""The one orchestrator, and the small public API on it.

    parse → validate → lower → post-parse → checks     load_bytes()    → Loaded
    → backend                                          compile_loaded() → Compiled
    both                                               run()            → Compiled

`run()` is the whole pipeline for one document; the CLI (`virtc compile`) and the batch
(`virtc validate --compile`) call these functions and only render what they return. The
batch calls the two halves separately, because domains that name networks wait for every
network document in the batch before they compile.

Nothing heavy is imported here at module load: the schema explainer (xmlschema) and the
Xen templates (jinja2) are imported only by the code paths that need them.
"""
from __future__ import annotations

import os
from typing import Dict, Iterable, List, Optional, Sequence, Union

from .compiler import ir
from .compiler.node import Factory, Node
from .compiler.diagnostics import Diagnostic, Diagnostics, Severity, Span
from .compiler.rules.codes import QEMU320, XEN440, XML004

TARGETS = ("qemu", "xen-xm", "xen-xl")


class Loaded(Node, mutable=True):
    """The outcome of reading one file: its kind, the IR (when it lowered) and diagnostics."""

    file: str
    kind: Optional[str] = None
    node: Union[ir.Domain, ir.Network, None] = None   # or a capabilities IR
    diagnostics: List[Diagnostic] = Factory(list)
    # A valid domain of a type no backend compiles (lxc, vmware, os type exe…): not an
    # error to validate, but what any compile must report (see report_unlowered).
    unlowered: Optional[ir.Uncompiled] = None
    unlowered_target: str = "qemu"       # its default target, as default_target() picks

    @property
    def ok(self) -> bool:
        return self.node is not None and not any(d.severity is Severity.ERROR for d in self.diagnostics)


def load_bytes(source: bytes, file: str = "<input>", capabilities=None, *,
               max_size: Optional[int] = None, for_backends: bool = True) -> Loaded:
    """Parse, validate, lower and check one document.

    With `capabilities` (a lowered capabilities document), a domain is also checked against
    what that host offers (CAP5xx). `max_size`: the input limit in bytes (None: 10 MiB).
    `for_backends=False`: nothing will be compiled (`virtc validate` without --compile), so
    the IR is built for the semantic rules only: the lines of what the backends would report
    as not compiled are not looked up, the devices no rule reads are not lowered, and the
    QEMU driver's defaults are not applied (compiler/lower_devices.py, postparse/). The
    diagnostics are the same; `node` is not for a backend.
    """
    from .compiler.checks import check_domain
    from .compiler.lower import lower_domain, lower_network
    from .compiler.parse import parse
    from .compiler.validate import validate

    diags = Diagnostics()
    result = Loaded(file, diagnostics=diags.items)
    doc = parse(source, file, diags, max_size=max_size)
    if doc is None:
        return result
    result.kind = doc.kind
    _import_ahead(doc)
    if not validate(doc.root.getroottree(), doc.kind, file, source, diags, index=doc.index):
        return result
    if doc.kind == "network":
        result.node = lower_network(doc, diags)
        return result
    if doc.kind == "capabilities":
        from .compiler.capabilities.lower import lower_capabilities

        result.node = lower_capabilities(doc, diags)
        return result
    from .compiler.reader import NotLowered
    from .compiler.uncompiled import path_of

    try:
        domain = lower_domain(doc, diags, locate_uncompiled=for_backends,
                              rules_only=not for_backends and capabilities is None)
    except NotLowered as exc:
        value = exc.value if exc.attr else (exc.el.text or "").strip()
        at = (doc.index.attribute_span(exc.el, exc.attr) if exc.attr
              else doc.index.text_span(exc.el))
        result.unlowered = ir.Uncompiled(path_of(exc.el, exc.attr), at, value=value)
        result.unlowered_target = "xen-xm" if doc.root.get("type") == "xen" else "qemu"
        return result
    if domain is not None:
        from .compiler.postparse import apply as apply_defaults

        # What the QEMU driver adds (implicit controllers, addresses, ports, MACs) is for the
        # backends: no rule reads it, so a run that compiles nothing skips it (postparse).
        domain = apply_defaults(domain, driver=for_backends or capabilities is not None)
        check_domain(domain, diags)
        if capabilities is not None:
            from .compiler.capabilities.check import check_domain as check_host, sites_of

            check_host(capabilities, domain, diags, sites_of(doc))
        result.node = domain
    return result


def _import_ahead(doc) -> None:
    """While libxml2 compiles the domain schema in its own thread (validate.prepare: the
    command line's one-process runs), import what lowering and checking this document
    will need, instead of waiting: the stages, and the families of its devices that have
    rules (the ones a validate lowers). Only the order of imports changes."""
    from .compiler.validate import compiling

    if doc.kind != "domain" or not compiling("domain"):
        return
    from .compiler import checks, lower, postparse  # noqa: F401  (imported for later)
    from .compiler.devices import checked, family

    devices = doc.root.find("devices")
    for tag in {el.tag for el in (devices if devices is not None else ())}:
        if isinstance(tag, str) and checked(tag):
            family(tag)


def report_unlowered(loaded: Loaded, target: str, diags: Diagnostics) -> None:
    """The compile finding for a valid domain that no backend compiles."""
    item = loaded.unlowered
    if item is None:
        return
    code = QEMU320 if target == "qemu" else XEN440
    element, _, attr = item.path.partition("@")
    what = f"{attr}='{item.value}'" if attr else f"<{element.rsplit('/', 1)[-1]}>{item.value}"
    diags.add(code, f"a domain with {what} is valid libvirt XML, but virtc compiles only "
              f"QEMU/KVM (hvm) and Xen (hvm, linux/xen PV) guests", item.span,
              hint="start this guest with libvirt; virtc can still validate it")


class UnknownVersion(ValueError):
    """A QEMU or Xen version (given, or detected from the emulator) that virtc has no
    dialect for: a usage error, with suggestions in the message."""


class CompileOptions(Node):
    """How to compile: the target (None: the domain's own, see default_target) and what
    the backends need to know about the host."""

    target: Optional[str] = None
    networks: Optional[dict] = None         # network_table(); None: the built-in default
    qemu_version: Optional[str] = None      # a dialect name; None: detect, else default
    emulator: Optional[str] = None          # --emulator
    capabilities: object = None             # a lowered capabilities document
    xen_version: Optional[str] = None
    # QEMU: the directory for helper sockets (backends/qemu/host.py); `virtc run` sets it.
    runtime_dir: Optional[str] = None
    qmp: Optional[str] = None               # QEMU: add a QMP socket at this path


class Compiled(Node, mutable=True):
    """What compiling one document gave: every diagnostic of every stage, the target it was
    compiled for, and the output (an argv list for qemu, config text for Xen), which is None
    whenever there is an error."""

    loaded: Loaded
    target: Optional[str] = None
    output: Union[List[str], str, None] = None
    diagnostics: List[Diagnostic] = Factory(list)
    # QEMU: the variables QEMU's process needs besides the caller's (<qemu:env>).
    env: Dict[str, str] = Factory(dict)

    @property
    def ok(self) -> bool:
        return self.output is not None and not any(
            d.severity is Severity.ERROR for d in self.diagnostics)


def compile_loaded(loaded: Loaded, options: CompileOptions = CompileOptions()) -> Compiled:
    """The backend stage for a loaded document, gated on the earlier stages' errors.

    A valid domain no backend compiles gets its finding (report_unlowered); another kind of
    document gets XML004. Raises UnknownVersion for a QEMU or Xen version virtc has no
    dialect for: that is a usage error, not a finding.
    """
    diags = Diagnostics(list(loaded.diagnostics))
    result = Compiled(loaded, options.target, diagnostics=diags.items)
    if loaded.unlowered is not None:
        result.target = options.target or loaded.unlowered_target
        report_unlowered(loaded, result.target, diags)
        return result
    if loaded.kind is None or diags.has_errors:
        return result
    if not isinstance(loaded.node, ir.Domain):
        diags.add(XML004, f"<{loaded.kind}> is not a domain; only domains compile",
                  Span(loaded.file, 1, 1), hint="compile a <domain> document")
        return result
    result.target = options.target or default_target(loaded.node)
    output = compile_domain(loaded.node, result.target, diags, networks=options.networks,
                            qemu_version=options.qemu_version, emulator=options.emulator,
                            capabilities=options.capabilities,
                            xen_version=options.xen_version, runtime_dir=options.runtime_dir,
                            qmp=options.qmp)
    result.output = None if diags.has_errors else output
    if result.output is not None and result.target == "qemu" and loaded.node.qemu is not None:
        from .backends.qemu.platform.qemu_ns import environment

        result.env = environment(loaded.node)
    return result


def run(source: bytes, file: str = "<input>", options: CompileOptions = CompileOptions(), *,
        max_size: Optional[int] = None) -> Compiled:
    """The whole pipeline for one document: parse, validate, lower, post-parse, checks and
    the backend. `result.output` is the argv or config, or None with the reasons in
    `result.diagnostics`."""
    return compile_loaded(load_bytes(source, file, options.capabilities, max_size=max_size),
                          options)


def load_file(path: str, capabilities=None, *, max_size: Optional[int] = None) -> Loaded:
    """Like `load_bytes`, reading `path`. Raises OSError when the file cannot be read."""
    from .compiler.parse import DEFAULT_MAX_SIZE

    limit = DEFAULT_MAX_SIZE if max_size is None else max_size
    with open(path, "rb") as fh:   # one byte past the limit is enough to refuse the file
        return load_bytes(fh.read(limit + 1), path, capabilities, max_size=limit)


def load_networks(paths: Iterable[str], diags: Diagnostics) -> dict:
    """The network table: the built-in `default` plus every `--network FILE` that loads."""
    from .compiler.networks import network_table

    nets = []
    for path in paths:
        loaded = load_file(path)
        diags.extend(loaded.diagnostics)
        if loaded.kind not in (None, "network"):
            diags.add(XML004, f"<{loaded.kind}> given where a <network> document was expected",
                      Span(path, 1, 1), hint="--network takes a libvirt network definition")
        elif isinstance(loaded.node, ir.Network):
            nets.append(loaded.node)
    return network_table(nets)


def default_target(domain: ir.Domain) -> str:
    return "xen-xm" if domain.type is ir.DomainType.XEN else "qemu"


def resolve_emulator(domain: ir.Domain, override: Optional[str]) -> Optional[str]:
    """The emulator the QEMU argv will name, for version detection: a path that exists."""
    from .backends.qemu.machine import ARCH_ALIASES, DEFAULT_ARCH

    arch = domain.os.arch or DEFAULT_ARCH
    candidate = override or domain.devices.emulator or f"qemu-system-{ARCH_ALIASES.get(arch, arch)}"
    if os.sep not in candidate:
        import shutil

        return shutil.which(candidate)
    return candidate if os.access(candidate, os.X_OK) else None


def _canonical_machine(domain: ir.Domain, emulator: Optional[str], version: str) -> ir.Domain:
    """Machine aliases become the emulator's versioned names (compiler/postparse/machine.py)."""
    from .compiler.postparse import machine

    if not machine.needs_emulator(domain):
        return domain
    from .discovery.machines import emulator_aliases

    found = resolve_emulator(domain, emulator)
    return machine.apply(domain, emulator_aliases(found) if found else None, version)


def compile_domain(domain: ir.Domain, target: str, diags: Diagnostics, *,
                   networks: Optional[dict] = None, qemu_version: Optional[str] = None,
                   emulator: Optional[str] = None,
                   capabilities=None,
                   xen_version: Optional[str] = None,
                   runtime_dir: Optional[str] = None,
                   qmp: Optional[str] = None) -> Union[Sequence[str], str, None]:
    """Render `domain` for `target`: an argv list for qemu, config text for xen-xm.

    With `capabilities`, a domain without <emulator> or machine= takes the host's default
    ones from that document, as libvirt does. Returns None when the backend reported an
    error (in `diags`).
    """
    if networks is None:
        from .compiler.networks import network_table

        networks = network_table()
    if capabilities is not None:
        from .compiler.capabilities.check import apply_defaults

        domain = apply_defaults(capabilities, domain)
    if target == "qemu":
        from .backends.qemu import QemuContext, compile_domain as qemu_compile
        from .backends.qemu.dialects import (DEFAULT_VERSION, detect_version, get_dialect,
                                             nearest_dialect)

        try:
            if qemu_version is not None:
                dialect = get_dialect(qemu_version)
            else:
                # The installed emulator decides; a version between two known dialects gets
                # the older one. Without a runnable emulator, the documented default.
                found = resolve_emulator(domain, emulator)
                detected = detect_version(found) if found else None
                dialect = nearest_dialect(detected) if detected else get_dialect(DEFAULT_VERSION)
        except ValueError as exc:           # dialects.UnknownDialect
            raise UnknownVersion(str(exc)) from exc
        domain = _canonical_machine(domain, emulator, dialect.qemu_version)
        ctx = QemuContext(diags=diags, dialect=dialect, networks=networks, emulator=emulator,
                          runtime_dir=runtime_dir, qmp=qmp)
        return qemu_compile(domain, ctx)
    if target in ("xen-xm", "xen-xl"):
        from .backends.xen import XenContext, compile_domain as xen_compile
        from .backends.xen.dialects import get_dialect

        try:
            dialect = get_dialect(target, xen_version)
        except ValueError as exc:           # dialects.UnknownXenVersion
            raise UnknownVersion(str(exc)) from exc
        return xen_compile(domain, XenContext(diags=diags, networks=networks, dialect=dialect))
    raise ValueError(f"unknown target {target!r}")
