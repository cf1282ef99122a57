"""Check a domain against a host's capabilities (the CAP5xx rules), and fill defaults.

Matching follows libvirt's lookup (virCapabilitiesDomainDataLookup): os type, then arch,
then domain type, then emulator and machine. The first step that finds nothing is
reported and the later ones are skipped: once the arch is missing, "no such machine"
would only repeat it. Every message names what the host does offer.
"""
from __future__ import annotations

import difflib
from typing import Dict, Iterable, List, Optional, Sequence

from .. import ir
from ..diagnostics import Diagnostics, Span
from ..rules.codes import CAP501, CAP502, CAP503, CAP504, CAP505, CAP506
from .ir import Capabilities, Guest, same_os_type
from ..node import Factory, Node, replace

_LISTED = 12   # names a message lists before "… and N more"
_DOMAIN_FEATURES = ("pae", "acpi", "apic")


class DomainSites(Node):
    """Spans of domain elements the IR does not record: <os><type> and each feature."""

    os_type: Span = ir.NOWHERE
    features: Dict[str, Span] = Factory(dict)


def sites_of(doc) -> DomainSites:
    """Read the spans from a parsed domain `Document`, through its position index."""
    index = doc.index
    os_el = doc.root.find("os")
    type_el = os_el.find("type") if os_el is not None else None
    feats = doc.root.find("features")
    children = [c for c in (feats if feats is not None else []) if isinstance(c.tag, str)]
    return DomainSites(
        os_type=index.span(type_el) if type_el is not None else ir.NOWHERE,
        features={c.tag: index.span(c) for c in children})


def _names(values: Iterable[str]) -> str:
    unique = list(dict.fromkeys(values))
    shown = ", ".join(unique[:_LISTED])
    more = len(unique) - _LISTED
    return shown + (f" … and {more} more" if more > 0 else "") if unique else "none"


def _did_you_mean(word: str, offered: Sequence[str]) -> str:
    match = difflib.get_close_matches(word, list(dict.fromkeys(offered)), n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'? " if match else ""


def _os_guests(caps: Capabilities, domain: ir.Domain) -> List[Guest]:
    return [g for g in caps.guests if same_os_type(g.os_type, domain.os.type.value)]


def _prefer_host_arch(caps: Capabilities, guests: List[Guest]) -> List[Guest]:
    """With no arch given, libvirt picks the host's own arch when a guest offers it."""
    native = [g for g in guests if g.arch == caps.host_arch]
    return native + [g for g in guests if g.arch != caps.host_arch]


def select_guests(caps: Capabilities, domain: ir.Domain) -> List[Guest]:
    """Guests that can run `domain` (os type, arch, domain type, emulator), best first."""
    dtype = domain.type.value
    guests = [g for g in _os_guests(caps, domain) if g.domain(dtype) is not None]
    if domain.os.arch:
        guests = [g for g in guests if g.arch == domain.os.arch]
    else:
        guests = _prefer_host_arch(caps, guests)
        guests = [g for g in guests if g.arch == guests[0].arch] if guests else []
    if domain.devices.emulator:
        guests = [g for g in guests if g.emulator_for(dtype) == domain.devices.emulator]
    if domain.os.machine:
        having = [g for g in guests if _offers_machine(g, dtype, domain.os.machine)]
        guests = having + [g for g in guests if g not in having]
    return guests


def _offers_machine(guest: Guest, dtype: str, machine: str) -> bool:
    return any(m.name == machine for m in guest.machines_for(dtype))


def check_domain(caps: Capabilities, domain: ir.Domain, diags: Diagnostics,
                 sites: Optional[DomainSites] = None) -> None:
    sites = sites or DomainSites()
    type_span = sites.os_type if sites.os_type.line else domain.os.span
    os_name = domain.os.type.value
    dtype = domain.type.value
    guests = _os_guests(caps, domain)
    if not guests:
        offered = [g.os_type for g in caps.guests]
        diags.add(CAP501, f"os type '{os_name}' is not offered by this host; it offers: "
                  f"{_names(offered)}", type_span,
                  hint="run the guest on a host that offers it, or change <type>")
        return
    if domain.os.arch:
        arch_guests = [g for g in guests if g.arch == domain.os.arch]
        if not arch_guests:
            offered = [g.arch for g in guests]
            diags.add(CAP502, f"<type arch='{domain.os.arch}'>: the host offers no "
                      f"'{os_name}' guest for arch '{domain.os.arch}'; arches offered: "
                      f"{_names(offered)}", type_span,
                      hint=_did_you_mean(domain.os.arch, offered)
                      + "choose one of the offered arches, or install the emulator for it")
            return
        guests = arch_guests
    if not any(g.domain(dtype) for g in guests):
        arches = _names(g.arch for g in guests)
        offered = [d.type for g in guests for d in g.domains]
        diags.add(CAP503, f"domain type '{dtype}' is not offered for '{os_name}' guests "
                  f"({arches}); domain types offered: {_names(offered)}", domain.span,
                  hint=_did_you_mean(dtype, offered)
                  + "set <domain type=…> to an offered type (kvm needs /dev/kvm on the host)")
        return
    guests = select_guests(caps, domain)
    if domain.devices.emulator and not guests:
        _emulator_not_offered(caps, domain, diags)
        guests = select_guests(caps, _without_emulator(domain))
    if domain.os.machine and guests:
        _check_machine(guests, domain, diags, type_span)
    if guests:
        _check_features(guests[0], domain, diags, sites)


def _emulator_not_offered(caps: Capabilities, domain: ir.Domain, diags: Diagnostics) -> None:
    dtype = domain.type.value
    guests = select_guests(caps, _without_emulator(domain))
    offered = [g.emulator_for(dtype) for g in guests]
    arch = domain.os.arch or guests[0].arch
    emulator = domain.devices.emulator
    diags.add(CAP505, f"<emulator> '{emulator}' is not listed for {dtype} "
              f"'{domain.os.type.value}' guests of arch '{arch}'; emulators offered: "
              f"{_names(e for e in offered if e)}",
              domain.devices.span_of("emulator") if domain.devices.at else domain.span,
              hint="use an offered emulator, or remove <emulator> to take the host's default")


def _without_emulator(domain: ir.Domain) -> ir.Domain:
    return replace(domain, devices=replace(domain.devices, emulator=None))


def _check_machine(guests: List[Guest], domain: ir.Domain, diags: Diagnostics,
                   type_span: Span) -> None:
    dtype = domain.type.value
    machine = domain.os.machine
    offered = [m.name for g in guests for m in g.machines_for(dtype)]
    if not offered or machine in offered:
        return
    arch = guests[0].arch
    diags.add(CAP504, f"<type machine='{machine}'>: machine not offered for {dtype} "
              f"'{domain.os.type.value}' guests of arch '{arch}'; machines offered: "
              f"{_names(offered)}", type_span,
              hint=_did_you_mean(machine, offered)
              + "choose an offered machine, or remove machine= to take the host's default")


def _check_features(guest: Guest, domain: ir.Domain, diags: Diagnostics,
                    sites: DomainSites) -> None:
    if not guest.features:
        return   # the host did not report features (the 2007 Xen example): nothing to hold to
    wanted = [name for name in _DOMAIN_FEATURES if getattr(domain.features, name)]
    for name in wanted:
        if name == "pae" and guest.wordsize == 64:
            continue   # 64-bit x86 guests always run with PAE; libvirt lists it for 32-bit only
        offer = guest.feature(name)
        if offer is not None and offer.can_enable:
            continue
        offered = [f.name for f in guest.features if f.can_enable]
        why = "does not offer" if offer is None else "offers but cannot turn on"
        span = sites.features.get(name) or domain.features.span
        diags.add(CAP506, f"<{name}/>: the {guest.arch} '{guest.os_type}' guest "
                  f"({guest.emulator_for(domain.type.value) or 'no emulator'}) {why} "
                  f"feature '{name}'; features offered: {_names(offered)}", span,
                  hint=f"remove <{name}/> from <features>, or run the guest where it is offered")


def apply_defaults(caps: Capabilities, domain: ir.Domain) -> ir.Domain:
    """Fill a missing <emulator> and machine from the best guest, as libvirt's post-parse does.

    Only fully virtualized guests get an emulator: a paravirtualized Xen guest runs without
    a device model unless it asks for one.
    """
    guests = select_guests(caps, domain)
    if not guests:
        return domain
    guest, dtype = guests[0], domain.type.value
    os, devices = domain.os, domain.devices
    if os.machine is None:
        machines = guest.machines_for(dtype)
        if machines:
            os = replace(os, machine=machines[0].name)
    if devices.emulator is None and os.is_hvm and guest.emulator_for(dtype):
        devices = replace(devices, emulator=guest.emulator_for(dtype))
    return replace(domain, os=os, devices=devices)
