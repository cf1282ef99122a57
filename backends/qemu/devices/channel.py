"""<channel> → a character device and the virtio-serial port the guest sees it on
(compiler/devices/channel.py).

    <channel type='unix'>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
      <address type='virtio-serial' controller='0' bus='0' port='1'/>
    </channel>
    -chardev socket,id=charchannel0,path=/run/virtc/NAME/org.qemu.guest_agent.0,server=on,wait=off
    -device virtserialport,bus=virtio-serial0.0,nr=1,chardev=charchannel0,id=channel0,name=org.qemu.guest_agent.0

As libvirt writes them: the character device is `charchannel<N>` (N counts the channels),
the port's id is the channel's alias, bus= the controller's `virtio-serial<controller>.<bus>`,
nr= the port. A unix channel without a source path is one QEMU listens on: libvirt puts it
in its channel directory when the guest starts; virtc puts it in the runtime directory
(backends/qemu/host.py), named after the target (the guest agent's socket is
RUNTIME/org.qemu.guest_agent.0). The SPICE agent's channel is a spicevmc chardev named
vdagent (`-chardev spicevmc,id=charchannel1,name=vdagent`), QEMU's own agent a qemu-vdagent
one; both on the port named com.redhat.spice.0. A guestfwd or Xen target is QEMU320.
"""
from __future__ import annotations

import os
from typing import List

from ....compiler.devices.channel import Channel, ChannelTargetType
from ....compiler.devices.chardev import CharMode, CharSource, CharType
from ....compiler.ir import Domain
from ....compiler.node import replace
from ....compiler.rules.codes import QEMU320
from ..context import QemuContext
from ..host import runtime_dir
from ..opts import Option, Opts
from . import device_id, not_compiled, virtio_serial_address
from .chardev import CHARDEV_BACKEND, chardev_props, spice_chardev_ok


def build(node: Channel, domain: Domain, ctx: QemuContext) -> List[Option]:
    channels = [n for n in domain.devices.families if n.TAG == "channel"]
    index = next(i for i, n in enumerate(channels) if n is node)
    # Without an address, the port counts the virtio channels (libvirt starts at 1).
    port = sum(1 for n in channels[:index + 1] if n.target_type is ChannelTargetType.VIRTIO)
    if node.target_type is not ChannelTargetType.VIRTIO:
        kind = node.target_type.value if node.target_type else "no"
        ctx.diags.add(QEMU320, f"<channel> with <target type='{kind}'> is valid libvirt XML, "
                      "but virtc compiles only virtio channels for QEMU", node.span,
                      hint="use <target type='virtio' name='…'/>, or start this guest "
                      "with libvirt")
        return []
    not_compiled(node, ctx, honoured=("alias", "address"))
    if not spice_chardev_ok(node, domain, ctx, "<channel>"):
        return []
    if node.target_name is not None and any(
            n.target_type is ChannelTargetType.VIRTIO and n.target_name == node.target_name
            for n in channels[:index]):
        from ....compiler.devices.graphics import QEMU407

        ctx.diags.add(QEMU407, f"a second virtio <channel> named '{node.target_name}':"
                      " QEMU refuses two virtio-serial ports of one name (\"A port already"
                      " exists by name\")", node.span,
                      hint="keep one channel of that name (one agent: spicevmc or"
                      " qemu-vdagent)")
        return []
    dev_id = device_id(node.info, node.span, ctx)
    if dev_id is None:
        return []
    if node.type is CharType.DEV:
        backend = "serial"
    else:
        backend = CHARDEV_BACKEND[node.type]
    char_id = f"charchannel{index}"
    dev = node
    if node.type is CharType.UNIX and not node.path:
        # libvirt makes the path at start (channel/target/domain-ID-NAME/TARGET); QEMU
        # listens on it.
        path = os.path.join(runtime_dir(domain, ctx.runtime_dir), node.target_name or char_id)
        dev = replace(node, sources=(CharSource(CharMode.BIND, path, span=node.span),))
    bus, nr = virtio_serial_address(node.info) or ("virtio-serial0.0", None)
    return [Option("-chardev", Opts.of(backend, ("id", char_id), *chardev_props(dev)),
                   node.span),
            Option("-device", Opts.of("virtserialport", ("bus", bus),
                                      ("nr", port if nr is None else nr), ("chardev", char_id), ("id", dev_id),
                                      ("name", node.target_name)), node.span)]
