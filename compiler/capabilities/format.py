"""Write a capabilities IR as XML in libvirt's layout (`virsh capabilities`).

Text is built directly so the layout is fixed: two-space indents, single-quoted
attributes, and children in libvirt's order (wordsize, emulator, loader, machines,
domains). The output is valid against schemas/capabilities.xsd.
"""
from __future__ import annotations

from typing import List, Optional
from xml.sax.saxutils import escape

from .ir import Capabilities, Feature, Guest, GuestDomain, Machine


def _attr(name: str, value: Optional[str]) -> str:
    if value is None:
        return ""
    return f" {name}='" + escape(value, {"'": "&apos;", '"': "&quot;"}) + "'"


def _yes(value: Optional[bool], yes: str, no: str) -> Optional[str]:
    return None if value is None else (yes if value else no)


def format_capabilities(caps: Capabilities) -> str:
    out: List[str] = ["<capabilities>", "", "  <host>"]
    if caps.host.uuid:
        out.append(f"    <uuid>{escape(caps.host.uuid)}</uuid>")
    cpu = caps.host.cpu
    out.append("    <cpu>")
    out.append(f"      <arch>{escape(cpu.arch)}</arch>")
    if cpu.model:
        out.append(f"      <model>{escape(cpu.model)}</model>")
    if cpu.vendor:
        out.append(f"      <vendor>{escape(cpu.vendor)}</vendor>")
    out += [f"      <feature{_attr('name', f)}/>" for f in cpu.features]
    out += ["    </cpu>", "  </host>", ""]
    for guest in caps.guests:
        out += _guest(guest) + [""]
    out.append("</capabilities>")
    return "\n".join(out) + "\n"


def _machine(m: Machine, indent: str) -> str:
    attrs = _attr("canonical", m.canonical) \
        + _attr("maxCpus", None if m.max_cpus is None else str(m.max_cpus)) \
        + _attr("deprecated", "yes" if m.deprecated else None)
    return f"{indent}<machine{attrs}>{escape(m.name)}</machine>"


def _domain(d: GuestDomain) -> List[str]:
    head = f"      <domain{_attr('type', d.type)}"
    if not d.emulator and not d.machines:
        return [head + "/>"]
    out = [head + ">"]
    if d.emulator:
        out.append(f"        <emulator>{escape(d.emulator)}</emulator>")
    out += [_machine(m, "        ") for m in d.machines]
    return out + ["      </domain>"]


def _feature(f: Feature) -> str:
    return (f"      <{f.name}" + _attr("default", _yes(f.default, "on", "off"))
            + _attr("toggle", _yes(f.toggle, "yes", "no")) + "/>")


def _guest(g: Guest) -> List[str]:
    out = ["  <guest>", f"    <os_type>{escape(g.os_type)}</os_type>",
           f"    <arch{_attr('name', g.arch)}>", f"      <wordsize>{g.wordsize}</wordsize>"]
    if g.emulator:
        out.append(f"      <emulator>{escape(g.emulator)}</emulator>")
    if g.loader:
        out.append(f"      <loader>{escape(g.loader)}</loader>")
    out += [_machine(m, "      ") for m in g.machines]
    for d in g.domains:
        out += _domain(d)
    out.append("    </arch>")
    if g.features:
        out += ["    <features>"] + [_feature(f) for f in g.features] + ["    </features>"]
    return out + ["  </guest>"]
