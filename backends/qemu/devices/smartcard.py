"""<smartcard> (compiler/devices/smartcard.py) → a CCID card on its reader's bus, and
<controller type='ccid'> → the usb-ccid reader (backends/qemu/devices/controller.py hands
those here).

    <controller type='ccid' index='0'><address type='usb' bus='0' port='1'/></controller>
    <smartcard mode='passthrough' type='spicevmc'/>
    -device usb-ccid,id=ccid0,bus=usb.0,port=1
    -chardev spicevmc,id=charsmartcard0,name=smartcard
    -device ccid-card-passthru,chardev=charsmartcard0,id=smartcard0,bus=ccid0.0

As libvirt's qemuBuildSmartcardCommandLine writes them: mode='host' is QEMU's emulated
card on the host's NSS smartcard (backend=nss-emulated), host-certificates the same card
from three certificates (cert1..cert3, db= the NSS directory, /etc/pki/nssdb unless
<database> says), passthrough a character device (`charsmartcard<N>`; a spicevmc one
carries SPICE's smartcard channel). The card sits on `ccid<controller>.0`.
"""
from __future__ import annotations

from typing import List, assert_never

from ....compiler.devices.chardev import CharType
from ....compiler.devices.controller import Controller, ControllerType
from ....compiler.devices.smartcard import (DEFAULT_DATABASE, QEMU408, Smartcard,
                                            SmartcardMode)
from ....compiler.ir import Domain
from ....compiler.rules.codes import QEMU320
from ..context import QemuContext
from ..dialects import Cap
from ..opts import Option, Opts
from . import device_id, not_compiled, usb_address
from .chardev import CHARDEV_BACKEND, chardev_props, spice_chardev_ok


def build_ccid(node: Controller, domain: Domain, ctx: QemuContext) -> List[Option]:
    """<controller type='ccid'>: the usb-ccid reader, on its USB port."""
    from .controller import alias

    if not ctx.has(Cap.SPICE) or not ctx.has(Cap.DEVICE):
        ctx.unsupported(node.span, "<controller type='ccid'>", "remove it")
        return []
    not_compiled(node, ctx, honoured=("alias", "address"))
    if node.info.address is not None and node.info.address.type != "usb":
        ctx.diags.add(QEMU320, f"<controller type='ccid'> with <address"
                      f" type='{node.info.address.type}'> is valid libvirt XML, but a"
                      " usb-ccid reader sits on a USB bus", node.info.address.span,
                      hint="use <address type='usb' bus='0' port='N'/>")
        return []
    return [Option("-device", Opts.of("usb-ccid", ("id", alias(node)),
                                      *usb_address(node.info)), node.span)]


def build(node: Smartcard, domain: Domain, ctx: QemuContext) -> List[Option]:
    if not ctx.has(Cap.SPICE) or not ctx.has(Cap.DEVICE):
        ctx.unsupported(node.span, "<smartcard>", "remove it")
        return []
    not_compiled(node, ctx, honoured=("alias", "address"))
    address = node.info.address
    if address is None or address.type != "ccid":
        kind = address.type if address is not None else "none"
        ctx.diags.add(QEMU320, f"<smartcard> with <address type='{kind}'> is valid libvirt"
                      " XML, but a card sits in a CCID reader", node.span,
                      hint="use <address type='ccid' controller='0' slot='0'/>")
        return []
    index = int(address.get("controller") or 0)
    reader = next((c for c in domain.devices.of(Controller)
                   if c.type is ControllerType.CCID and (c.index or 0) == index), None)
    if reader is None:
        ctx.diags.add(QEMU408, f"<smartcard> sits in CCID reader {index}, and this guest has"
                      f" no <controller type='ccid' index='{index}'>", address.span,
                      hint=f"add <controller type='ccid' index='{index}'/>")
        return []
    from .controller import alias

    dev_id = device_id(node.info, node.span, ctx)
    if dev_id is None:
        return []
    where = (("id", dev_id), ("bus", f"{alias(reader)}.0"))
    match node.card_mode:
        case SmartcardMode.HOST:
            return [Option("-device", Opts.of("ccid-card-emulated", ("backend", "nss-emulated"),
                                              *where), node.span)]
        case SmartcardMode.HOST_CERTIFICATES:
            certs = [(f"cert{i}", c.name) for i, c in enumerate(node.certificates, 1)]
            db = node.database.path if node.database is not None else None
            return [Option("-device", Opts.of("ccid-card-emulated", ("backend", "certificates"),
                                              *certs, ("db", db or DEFAULT_DATABASE), *where),
                           node.span)]
        case SmartcardMode.PASSTHROUGH:
            if not spice_chardev_ok(node, domain, ctx, "<smartcard>"):
                return []
            char_id = f"charsmartcard{domain.devices.of(Smartcard).index(node)}"
            backend = "serial" if node.type is CharType.DEV else CHARDEV_BACKEND[node.type]
            return [Option("-chardev", Opts.of(backend, ("id", char_id),
                                               *chardev_props(node, spicevmc="smartcard")),
                           node.span),
                    Option("-device", Opts.of("ccid-card-passthru", ("chardev", char_id),
                                              *where), node.span)]
        case _:
            assert_never(node.card_mode)
