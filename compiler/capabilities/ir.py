"""The capabilities IR: frozen records (compiler/node.py), each node with the span it was read from.

Domain types, os types and arch names stay strings: a capabilities document may name
hypervisors (lxc, vbox…) and arches virtc never compiles for, and checking compares names.
Nodes built by discovery have no source, so their spans are NOWHERE.
"""
from __future__ import annotations

from typing import Optional, Tuple

from ..diagnostics import Span
from ..ir import NOWHERE
from ..node import Node

# The page's paravirtualized os type "linux" is libvirt's later "xen": one kind of guest.
OS_TYPE_ALIASES = {"linux": "xen"}


def same_os_type(a: str, b: str) -> bool:
    return OS_TYPE_ALIASES.get(a, a) == OS_TYPE_ALIASES.get(b, b)


class Machine(Node):
    name: str
    canonical: Optional[str] = None      # set on an alias: the machine it stands for
    max_cpus: Optional[int] = None
    deprecated: bool = False
    span: Span = NOWHERE


class GuestDomain(Node):
    """One <domain type=…> of a guest arch, with the emulator and machines it overrides."""

    type: str
    emulator: Optional[str] = None
    machines: Tuple[Machine, ...] = ()
    span: Span = NOWHERE


class Feature(Node):
    """A guest feature offer. `default`/`toggle` are None when the document omits them."""

    name: str
    default: Optional[bool] = None       # default='on'
    toggle: Optional[bool] = None        # toggle='yes'
    span: Span = NOWHERE

    @property
    def can_enable(self) -> bool:
        return self.toggle is not False or self.default is not False


class Guest(Node):
    os_type: str
    arch: str
    wordsize: int
    emulator: Optional[str] = None
    loader: Optional[str] = None
    machines: Tuple[Machine, ...] = ()
    domains: Tuple[GuestDomain, ...] = ()
    features: Tuple[Feature, ...] = ()
    span: Span = NOWHERE
    arch_span: Span = NOWHERE

    def domain(self, type_: str) -> Optional[GuestDomain]:
        return next((d for d in self.domains if d.type == type_), None)

    def emulator_for(self, type_: str) -> Optional[str]:
        """The emulator a domain of `type_` uses: the <domain>'s own, else the arch's."""
        dom = self.domain(type_)
        return (dom.emulator if dom is not None and dom.emulator else None) or self.emulator

    def machines_for(self, type_: str) -> Tuple[Machine, ...]:
        """libvirt's rule: a <domain> that lists machines replaces the arch's list."""
        dom = self.domain(type_)
        return dom.machines if dom is not None and dom.machines else self.machines

    def feature(self, name: str) -> Optional[Feature]:
        return next((f for f in self.features if f.name == name), None)


class HostCpu(Node):
    arch: str
    model: Optional[str] = None
    vendor: Optional[str] = None
    features: Tuple[str, ...] = ()       # flag names, in document order
    span: Span = NOWHERE


class Host(Node):
    cpu: HostCpu
    uuid: Optional[str] = None
    span: Span = NOWHERE


class Capabilities(Node):
    host: Host
    guests: Tuple[Guest, ...] = ()
    span: Span = NOWHERE

    @property
    def host_arch(self) -> str:
        return self.host.cpu.arch
