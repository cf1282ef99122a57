"""<smartcard>: a CCID smartcard in a USB CCID reader (<controller type='ccid'>).

    <smartcard mode='host'/>
    <smartcard mode='host-certificates'>
      <certificate>cert1</certificate>
      <certificate>cert2</certificate>
      <certificate>cert3</certificate>
      <database>/etc/pki/nssdb/</database>
    </smartcard>
    <smartcard mode='passthrough' type='spicevmc'>
      <address type='ccid' controller='0' slot='0'/>
    </smartcard>

Schema: schemas/domain/smartcard.xsd. Builder: backends/qemu/devices/smartcard.py (the
card, and the usb-ccid reader of each <controller type='ccid'>). Xen has no smartcards:
its backend reports the element as not compiled (no builder there).

mode='passthrough' reads its host side as <serial> does (compiler/devices/chardev.py:
type=, <source>, <protocol>); the other modes read none, and what they don't use is
reported. host-certificates takes exactly three <certificate> names (SEM301).
"""
from __future__ import annotations

from typing import ClassVar, Optional, Tuple

from ..diagnostics import Diagnostics, Severity, Span
from ..ir import NOWHERE
from ..rules.codes import Code
from .chardev import CharDevice, CharProtocolSpec, CharSource, CharType, read_host_side
from .info import Address
from .xmlmap import Attr, Child, Children, Info, Text, lower as lower_node
from ..node import Choice, Node, replace


class SmartcardMode(Choice):
    HOST = "host"
    HOST_CERTIFICATES = "host-certificates"
    PASSTHROUGH = "passthrough"


class Certificate(Node):
    """<certificate>NAME</certificate>: a certificate in the NSS database."""

    TAG: ClassVar[str] = "certificate"
    XML: ClassVar[tuple] = (Text("name"),)
    name: Optional[str] = None
    span: Span = NOWHERE


class Database(Node):
    """<database>DIR</database>: the NSS database directory."""

    TAG: ClassVar[str] = "database"
    XML: ClassVar[tuple] = (Text("path"),)
    path: Optional[str] = None
    span: Span = NOWHERE


class Smartcard(CharDevice, Node):
    """One <smartcard>."""

    TAG: ClassVar[str] = "smartcard"
    XML: ClassVar[tuple] = (
        Attr("mode", "card_mode", SmartcardMode),
        Attr("type", "type", CharType),
        Children("certificates", Certificate),
        Child("database", Database),
        Children("sources", CharSource),
        Child("protocol", CharProtocolSpec),
        Info(),
    )
    # (not `mode`: a character device's mode is its socket's side, CharDevice.mode)
    card_mode: SmartcardMode = SmartcardMode.HOST
    certificates: Tuple[Certificate, ...] = ()
    database: Optional[Database] = None


NODE = Smartcard
DEFAULT_DATABASE = "/etc/pki/nssdb"       # libvirt's VIR_DOMAIN_SMARTCARD_DEFAULT_DATABASE

SEM301 = Code("SEM301", Severity.ERROR)
QEMU408 = Code("QEMU408", Severity.ERROR)      # reported by backends/qemu/devices/smartcard.py


def rules():
    """The rules this family declares (built on demand: the text is only for the registry)."""
    from ..rules import Rule

    return (
        Rule(SEM301, "smartcard-certificates",
             "<smartcard mode='host-certificates'> without exactly three <certificate>s.",
             "QEMU's emulated card takes three certificates (cert1, cert2, cert3) from the"
             " NSS database; libvirt refuses any other number.",
             "<smartcard mode='host-certificates'><certificate>a</certificate></smartcard>",
             "Name three certificates, or use mode='host'."),
        Rule(QEMU408, "smartcard-without-reader",
             "A <smartcard> whose CCID reader (<controller type='ccid'>) the guest lacks.",
             "A card sits in a usb-ccid reader; libvirt adds the reader to a guest written"
             " for it (virtc does so for a document with controllers or video), but a"
             " document in the old vocabulary gets none, and QEMU would find no ccid bus.",
             "<devices><smartcard mode='host'/></devices>",
             "Add <controller type='ccid' index='0'/> (and a USB controller for it)."),
    )


def lower(r, el, index: int) -> Smartcard:
    mode = r.enum(el, "mode", SmartcardMode, SmartcardMode.HOST)
    if mode is SmartcardMode.PASSTHROUGH:
        return lower_node(Smartcard, r, el, card_mode=mode, **read_host_side(r, el))
    skipped = {"sources": (), "protocol": None}
    if mode is SmartcardMode.HOST:
        skipped.update(certificates=(), database=None)
    return lower_node(Smartcard, r, el, card_mode=mode, **skipped)


def postparse(node: Smartcard, index: int, domain) -> Smartcard:
    """Defaults, as libvirt applies them:

    - an address: CCID controller (the first <controller type='ccid'>'s index, else 0),
      slot 0 (virDomainDefMaybeAddSmartcardController; post-parse adds that controller
      when it is missing, compiler/postparse/qemu.py);
    - alias: `smartcard<N>` (qemuAssignDeviceAliases).
    """
    info = node.info
    if info.address is None:
        from .controller import Controller, ControllerType

        ccid = next((c.index or 0 for c in domain.devices.of(Controller)
                     if c.type is ControllerType.CCID), 0)
        info = replace(info, address=Address("ccid", (("controller", str(ccid)),
                                                      ("slot", "0")), node.span))
    return replace(node, info=replace(info, alias=info.alias or f"smartcard{index}"))


def check(node: Smartcard, diags: Diagnostics) -> None:
    if node.card_mode is SmartcardMode.HOST_CERTIFICATES and len(node.certificates) != 3:
        diags.add(SEM301, f"<smartcard mode='host-certificates'> names"
                  f" {len(node.certificates)} <certificate>s; it takes exactly three",
                  node.span, hint="name three certificates from the NSS database")
