"""<hostdev mode='subsystem' type='pci'> → -device vfio-pci (compiler/devices/hostdev.py).

    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source><address domain='0x0000' bus='0x06' slot='0x12' function='0x5'/></source>
      <rom bar='on' file='/etc/fake/bootrom.bin'/>
      <boot order='2'/>
    </hostdev>
    -device vfio-pci,host=0000:06:12.5,id=hostdev0,bootindex=2,rombar=1,romfile=/etc/fake/bootrom.bin

As libvirt's qemuBuildPCIHostdevDevProps (tests/qemuxml2argvdata/hostdev-vfio and pci-rom):
host= in DDDD:BB:SS.F, the alias, bootindex from <boot order>, the guest address, then
rombar= and romfile= (an empty romfile= for <rom enabled='no'>). managed='yes' means libvirt
binds the device to vfio-pci before the start; plain QEMU expects it bound already (QEMU386).
USB passthrough and <driver name='xen'> are not compiled (QEMU320).
"""
from __future__ import annotations

from typing import List

from ....compiler.devices.hostdev import QEMU386, HostdevDriverName, PciHostdev
from ....compiler.ir import Domain
from ....compiler.rules.codes import QEMU320
from ..context import QemuContext
from ..opts import Option, Opts
from . import device_id, not_compiled, placement


def build(node, domain: Domain, ctx: QemuContext) -> List[Option]:
    if not isinstance(node, PciHostdev):
        ctx.diags.add(QEMU320, f"<hostdev type='{node.type.value}'> is valid libvirt XML, but "
                      "virtc compiles only PCI passthrough (vfio-pci) for QEMU", node.span,
                      hint="remove it, or start this guest with libvirt")
        return []
    driver = node.driver.name if node.driver is not None else None
    if driver not in (None, HostdevDriverName.VFIO):
        ctx.diags.add(QEMU320, f"<driver name='{driver.value}'>: QEMU passes PCI devices "
                      "through with VFIO only", node.driver.span,
                      hint="write <driver name='vfio'/> or leave <driver> out")
        return []
    host = node.host
    if host is None:
        ctx.diags.add(QEMU320, "<hostdev type='pci'> names no host <address> in its <source>",
                      node.span, hint="add <source><address domain='0x0000' bus='0x01' "
                      "slot='0x00' function='0x0'/></source>")
        return []
    not_compiled(node, ctx, honoured=("alias", "address", "boot"))
    # libvirt's alias hostdev<N>, N counting the <hostdev> elements (qemuAssignDeviceAliases);
    # given here, where only QEMU needs it, so the Xen forms stay as they were.
    dev_id = device_id(node.info, node.span, ctx) if node.info.alias else _alias(node, domain)
    where = placement(node.info, domain, ctx, "<hostdev>")
    if dev_id is None or where is None:
        return []
    if node.managed:
        ctx.diags.add(QEMU386, f"<hostdev managed='yes'>: bind {host} to the vfio-pci driver "
                      "before starting this argv; libvirt would do it, plain QEMU doesn't",
                      node.span, hint="see `virtc rule QEMU386`")
    rom = node.rom
    rombar = None if rom is None or rom.bar is None else (1 if rom.bar else 0)
    romfile = None if rom is None else ("" if rom.enabled is False else rom.file)
    props = [("host", str(host)), ("id", dev_id), ("bootindex", node.info.boot_order), *where,
             ("rombar", rombar), ("romfile", romfile)]
    return [Option("-device", Opts.of("vfio-pci", *props), node.span)]


def _alias(node, domain: Domain) -> str:
    hostdevs = [n for n in domain.devices.families if n.TAG == "hostdev"]
    return f"hostdev{next(i for i, n in enumerate(hostdevs) if n is node)}"
