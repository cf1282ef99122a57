"""Mappings for libvirt's on/off switches, in the shape compiler/devices/xmlmap.py uses.

Most children of <features> are switches: an empty element, with state='on|off' required
(<hyperv><relaxed state='on'/>), optional (<hap/> means on) or absent (<pae/>). Each one
lowers to a `State` sub-node with its own span, so a diagnostic points at its line:

    class Kvm(Node):
        TAG: ClassVar[str] = "kvm"
        XML: ClassVar[tuple] = (Switch("hidden", "hidden"),)
        hidden: Optional[State] = None
"""
from __future__ import annotations

from typing import Any, Optional

from lxml import etree

from ..diagnostics import Span
from ..node import Node
from ..reader import Reader

NOWHERE = Span()


class State(Node):
    """One switch as written: on (state='on', or the element alone) or off."""

    on: bool = True
    span: Span = NOWHERE


def is_on(state: Optional[State]) -> bool:
    """True when the switch is written and on."""
    return state is not None and state.on


def is_off(state: Optional[State]) -> bool:
    """True when the switch is written and off (absent is neither on nor off)."""
    return state is not None and not state.on


class Switch(Node):
    """<tag state='on|off'/> as a State. `required`: libvirt demands state=, so the writer
    always writes it; otherwise an on switch is written bare (<hap/>), as libvirt does."""

    tag: str
    field: str
    required: bool = True

    def read(self, r: Reader, el) -> Optional[State]:
        sub = r.child(el, self.tag)
        if sub is None:
            return None
        return State(r.token(sub, "state") != "off", r.span(sub))

    def write(self, value: Optional[State], el) -> None:
        if value is None:
            return
        sub = etree.SubElement(el, self.tag)
        if self.required or not value.on:
            sub.set("state", "on" if value.on else "off")


class Flag(Node):
    """<tag/> with no attribute: present or not (<viridian/>, <privnet/>)."""

    tag: str
    field: str

    def read(self, r: Reader, el) -> Optional[State]:
        sub = r.child(el, self.tag)
        return State(True, r.span(sub)) if sub is not None else None

    def write(self, value: Any, el) -> None:
        if value is not None:
            etree.SubElement(el, self.tag)
