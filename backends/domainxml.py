"""Format an IR Domain as domain XML text (the inverse of compiler/lower).

Used by `virtc import`: an xm/xl config becomes IR, and this module writes it in the
element order of the libvirt format page. The domain's own elements are written here
(without lxml); each device through its family's mapping (compiler/devices/xmlmap.py),
the families the page orders (disk, interface, graphics, input, chardevs) in that order,
the others after them in document order. Values post-parse derives when absent (disk bus,
input bus, character device port) are set explicitly by the importer and written, so
reading the text back gives the same IR. One escaping function per context: text escapes & < > and a carriage
return (which parsers would turn into a newline); attributes also escape the quote and
whitespace controls, which attribute normalisation would otherwise turn into spaces.
Characters XML 1.0 can't hold at all are reported (XEN432) instead of written.
"""
from __future__ import annotations

import re
from typing import List, Optional, Sequence, Tuple

from ..compiler.diagnostics import Diagnostics
from ..compiler.ir import Domain
from ..compiler.rules.codes import XEN432

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TEXT = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
_ATTR = dict(_TEXT, **{'"': "&quot;", "\n": "&#10;", "\t": "&#9;"})
_TEXT_RE = re.compile("[&<>\r]")
_ATTR_RE = re.compile("[&<>\r\"\n\t]")

Attrs = Sequence[Tuple[str, Optional[object]]]


def escape_text(value: str) -> str:
    return _TEXT_RE.sub(lambda m: _TEXT[m.group()], value)


def escape_attr(value: str) -> str:
    return _ATTR_RE.sub(lambda m: _ATTR[m.group()], value)


class _Writer:
    def __init__(self) -> None:
        self.lines: List[str] = []
        self.bad: List[str] = []

    def _check(self, value: str) -> str:
        m = _NOT_XML.search(value)
        if m:
            self.bad.append(f"U+{ord(m.group()):04X} in {value!r}")
        return value

    def _attrs(self, attrs: Attrs) -> str:
        return "".join(f' {k}="{escape_attr(self._check(str(v)))}"'
                       for k, v in attrs if v is not None)

    def empty(self, depth: int, tag: str, attrs: Attrs = ()) -> None:
        self.lines.append(f"{'  ' * depth}<{tag}{self._attrs(attrs)}/>")

    def text(self, depth: int, tag: str, value: Optional[object], attrs: Attrs = ()) -> None:
        if value is None:
            return
        body = escape_text(self._check(str(value)))
        self.lines.append(f"{'  ' * depth}<{tag}{self._attrs(attrs)}>{body}</{tag}>")

    def open(self, depth: int, tag: str, attrs: Attrs = ()) -> None:
        self.lines.append(f"{'  ' * depth}<{tag}{self._attrs(attrs)}>")

    def close(self, depth: int, tag: str) -> None:
        self.lines.append(f"{'  ' * depth}</{tag}>")


def _devices(w: _Writer, d: Domain) -> None:
    dev = d.devices
    w.open(1, "devices")
    w.text(2, "emulator", dev.emulator)
    for disk in dev.disks:
        _family(w, disk)
    for net in dev.interfaces:
        _family(w, net)
    for g in dev.graphics:
        _family(w, g)
    for inp in dev.inputs:
        _family(w, inp)
    for chr in dev.serials + dev.parallels + dev.consoles:
        _family(w, chr)
    for node in dev.families:
        if node.TAG not in _PLACED:
            _family(w, node)
    w.close(1, "devices")


# Families written in the format page's element order above, not in the families' order.
_PLACED = frozenset({"disk", "interface", "graphics", "input", "serial", "parallel",
                     "console"})


def _family(w: _Writer, node) -> None:
    """A device family's element, written from its mapping (compiler/devices/xmlmap.py)."""
    _node(w, node, 2)


def _node(w: _Writer, node, depth: int) -> None:
    """`node`'s element at `depth`, written from its mapping (compiler/devices/xmlmap.py)."""
    from lxml import etree

    from ..compiler.devices.xmlmap import write

    try:
        el = write(node)
    except ValueError as exc:           # lxml refuses characters XML 1.0 can't hold
        w.bad.append(f"{exc} in <{node.TAG}>")
        return
    etree.indent(el, space="  ", level=depth)
    w.lines.append("  " * depth + etree.tostring(el, encoding="unicode").rstrip())


def _vcpu(w: _Writer, d: Domain) -> None:
    """<vcpu> with its attributes (compiler/platform/cpu.py Vcpu), then <vcpus>."""
    vcpu = d.vcpu
    if vcpu is None:
        w.text(1, "vcpu", d.vcpus)
        return
    placement = vcpu.placement.value if vcpu.placement is not None else None
    current = vcpu.current if vcpu.current != d.vcpus else None
    w.text(1, "vcpu", d.vcpus, [("placement", placement), ("cpuset", vcpu.cpuset),
                                ("current", current)])
    if vcpu.states is not None:
        _node(w, vcpu.states, 1)


def _elements(w: _Writer, d: Domain, writer: str) -> None:
    """Domain-level elements written by their module (compiler/memory.py) with lxml."""
    if d.max_memory is None and d.memory_backing is None and d.iothreads is None:
        return
    from lxml import etree

    from ..compiler import memory

    for el in getattr(memory, writer)(d):
        etree.indent(el, space="  ", level=1)
        w.lines.append("  " + etree.tostring(el, encoding="unicode").rstrip())


def _element(w: _Writer, el, what: str) -> None:
    """A domain-level element built by its platform module (compiler/platform/)."""
    if el is None:
        return
    from lxml import etree

    etree.indent(el, space="  ", level=1)
    w.lines.append("  " + etree.tostring(el, encoding="unicode").rstrip())


def format_domain(domain: Domain, diags: Diagnostics) -> Optional[str]:
    """Domain XML for `domain`; None (with XEN432) when a value can't be written in XML."""
    d, w = domain, _Writer()
    w.open(0, "domain", [("type", d.type.value), ("id", d.id)])
    w.text(1, "name", d.name)
    w.text(1, "uuid", d.uuid)
    w.text(1, "memory", d.memory_kib)
    w.text(1, "currentMemory", d.current_memory_kib)
    _elements(w, d, "write_elements")
    _vcpu(w, d)
    from ..compiler.guest_os import write_os, write_sysinfo

    write_sysinfo(w, d.sysinfo)
    _elements(w, d, "write_iothreads")
    w.text(1, "bootloader", d.bootloader)
    w.text(1, "bootloader_args", d.bootloader_args)
    write_os(w, d.os)
    from ..compiler.platform.clock import write_clock
    from ..compiler.platform.features import write_features
    from ..compiler.platform.lifecycle import write_pm

    _element(w, write_features(d.features), "<features>")
    if d.cpu is not None:
        _node(w, d.cpu, 1)
    _element(w, write_clock(d.clock), "<clock>")
    w.text(1, "on_poweroff", d.on_poweroff.value)
    w.text(1, "on_reboot", d.on_reboot.value)
    w.text(1, "on_crash", ("coredump-" if d.on_crash_dump else "") + d.on_crash.value)
    if d.pm is not None:
        _element(w, write_pm(d.pm), "<pm>")
    _devices(w, d)
    w.close(0, "domain")
    if w.bad:
        diags.add(XEN432, f"{w.bad[0]} can't be written in XML 1.0", d.span,
                  hint="remove the control character from the value")
        return None
    return "\n".join(w.lines) + "\n"
