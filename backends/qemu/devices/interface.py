"""<interface> (compiler/devices/interface.py): one NIC paired with one back end, never two
NICs on one hub.

Modern dialects pair `-netdev TYPE,id=…` (netdev.py) with `-device MODEL,netdev=…`, as
libvirt's qemuBuildInterfaceCommandLine and qemuBuildNicDevProps do:

    <interface type='user'><mac address='52:54:00:00:53:03'/><model type='virtio'/>
      <driver queues='2'/><mtu size='9000'/><boot order='2'/><alias name='net0'/>…
    -netdev user,id=hostnet0
    -device virtio-net-pci,mq=on,vectors=6,host_mtu=9000,netdev=hostnet0,id=net0,
            mac=52:54:00:00:53:03,bootindex=2,bus=pci.1,addr=0x0
    (key=value here; opts.py writes the same options as JSON where the dialect does)

The ids are libvirt's when the NIC has an alias (post-parse gives a libvirt-style document's
NICs net0, net1, …): the netdev is `host<alias>`, the device `<alias>`. A NIC without one (a
document in the 2007 vocabulary) keeps the ids it always had: netdev `net<N>`, no device id.
Legacy dialects (no -netdev) put NIC N and its back end alone on hub ("vlan") N.

The virtio-net properties (queues, offloads, queue sizes, host_mtu, rss, tx) are libvirt's,
in its order; a non-virtio model has none of them (QEMU433 for what is ignored). A PCI
<address> places the -device, <boot order> is bootindex=, <acpi index> acpi-index=, <rom>
rombar= and romfile= (an empty romfile= for enabled='no'). <link state='down'> has no
command-line spelling: libvirt sets it over QMP once QEMU runs (QEMU431), as `virtc run`
does.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

from ....compiler.devices.interface import QEMU431, QEMU433, QEMU434, Interface
from ....compiler.diagnostics import Span
from ....compiler.ir import Domain, NetType
from ....compiler.rules.codes import QEMU306, QEMU316, QEMU390
from ..context import QemuContext
from ..dialects import Cap
from ..opts import Option, Opts, Scalar
from . import bootindex, device_id, not_compiled, placement, usb_address
from .netdev import NETDEV_TYPE, SOCKET_KEY, backend, queues  # noqa: F401 (NETDEV_TYPE: the table)

DEFAULT_MODEL = "rtl8139"          # libvirt's default NIC for x86 QEMU guests
# libvirt <model type> names whose -device driver is spelled differently.
DEVICE_FOR_MODEL = {"virtio": "virtio-net-pci",
                    "virtio-transitional": "virtio-net-pci-transitional",
                    "virtio-non-transitional": "virtio-net-pci-non-transitional"}
VIRTIO_MODELS = frozenset(DEVICE_FOR_MODEL)
TXMODE = {"iothread": "bh", "timer": "timer"}

Props = Tuple[Tuple[str, Optional[Scalar]], ...]


def _value_spans(iface: Interface) -> Tuple[Tuple[str, Span], ...]:
    # Which element each value that comes from the document was read from, so a value QEMU
    # can't carry is reported there rather than on the <interface>.
    source, target = iface.where(iface.source), iface.where(iface.target)
    model, mac = iface.where(iface.model), iface.where(iface.mac)
    return (("br", source), *((key, source) for key in SOCKET_KEY.values()),
            ("ifname", target), ("script", iface.where(iface.script)),
            ("mac", mac), ("macaddr", mac), ("model", model),
            ("romfile", iface.where(iface.rom)))


def build_all(interfaces, domain: Domain, ctx: QemuContext) -> List[Option]:
    """Every interface, in document order: N in netN and vlan=N counts them."""
    out: List[Option] = []
    for index, iface in enumerate(interfaces):
        netdev = ctx.has(Cap.NETDEV)
        honoured = ("address", "boot", "alias", "acpi") if netdev else ()
        not_compiled(iface, ctx, honoured=honoured)
        where = _where(iface, domain, ctx) if netdev else ()
        if iface.mac is not None and iface.mac.derived:
            ctx.diags.add(QEMU390, f"<interface> has no <mac>: virtc gives it"
                          f" {iface.mac.address}, derived from the domain's"
                          f" {'UUID' if domain.uuid else 'name'} and the NIC's index {index}"
                          " (libvirt would make a random one)", iface.span,
                          hint=f"write <mac address='{iface.mac.address}'/> to keep it, or"
                          " the MAC the guest had under libvirt")
        _check_ignored(iface, index, ctx)
        if not netdev and iface.type in (NetType.UDP, NetType.VHOSTUSER, NetType.NULL):
            ctx.unsupported(iface.span, f"<interface type='{iface.type.value}'>",
                            "choose a newer --qemu-version")
            continue
        alias = iface.info.alias
        dev_id = device_id(iface.info, iface.info.span_of("alias"), ctx) if alias else None
        if alias and dev_id is None:
            continue
        net_id = f"host{alias}" if alias else f"net{index}"
        host = backend(iface, net_id, ctx, domain)
        if host is None or where is None:
            continue
        kind, props, before = host
        if netdev:
            out.extend(before)
            out.extend(build_netdev_pair(iface, net_id, dev_id, kind, props, where, ctx))
        elif ctx.has(Cap.NET_VLAN):
            out.extend(build_net_vlan(iface, index, kind or "", props))
        else:  # no dialect lacks both; kept so a future dialect can't fall through silently
            ctx.unsupported(iface.span, "network interfaces", "use a dialect with -netdev")
    return out


def _where(iface: Interface, domain: Domain, ctx: QemuContext):
    """A usb-net NIC sits on a USB port (its <address type='usb'>, written or from
    post-parse); every other model on PCI."""
    if iface.model_type != "usb-net":
        return placement(iface.info, domain, ctx, "<interface>")
    address = iface.info.address
    if address is None or address.type != "usb":
        return placement(iface.info, domain, ctx, "<interface>")
    return usb_address(iface.info)


def build_netdev_pair(iface: Interface, net_id: str, dev_id: Optional[str],
                      kind: Optional[str], props: Props, where, ctx: QemuContext
                      ) -> List[Option]:
    model = iface.model_type or DEFAULT_MODEL
    spans = _value_spans(iface)
    out = []
    if kind is not None:
        out.append(Option("-netdev", Opts.of(kind, ("id", net_id), *props), iface.span, spans))
    else:
        ctx.diags.add(QEMU434, "<interface type='null'>: the guest's NIC has no back end"
                      " (QEMU warns that it \"has no peer\"); libvirt's QEMU driver refuses"
                      " type='null'", iface.span,
                      hint="use type='user' for a NIC that reaches the outside")
    device = Opts.of(DEVICE_FOR_MODEL.get(model, model), *virtio_props(iface, ctx),
                     ("netdev", net_id if kind is not None else None), ("id", dev_id),
                     ("mac", iface.mac_address), *bootindex(iface.info), *where,
                     *acpi_index(iface, ctx), *rom_props(iface))
    # The head is the model's driver name.
    out.append(Option("-device", device, iface.where(iface.model), spans))
    return out


def build_net_vlan(iface: Interface, index: int, kind: str, props: Props) -> List[Option]:
    nic = Opts.of("nic", ("vlan", index), ("macaddr", iface.mac_address),
                  ("model", iface.model_type or DEFAULT_MODEL))
    spans = _value_spans(iface)
    return [Option("-net", nic, iface.span, spans),
            Option("-net", Opts.of(kind, ("vlan", index), *props), iface.span, spans)]


def virtio_props(iface: Interface, ctx: QemuContext) -> Props:
    """libvirt's virtio-net properties, in qemuBuildNicDevProps' order; () for another
    model, with QEMU433 for each setting only virtio-net has."""
    driver, mtu = iface.driver, iface.mtu
    if (iface.model_type or DEFAULT_MODEL) not in VIRTIO_MODELS:
        _virtio_only(iface, ctx)
        return ()
    if driver is None:
        return (("host_mtu", mtu.size if mtu else None),)
    host, guest = driver.host, driver.guest
    n = queues(iface)
    if driver.tx_queue_size not in (None, 256) and iface.type is not NetType.VHOSTUSER:
        ctx.diags.add(QEMU433, f"<driver tx_queue_size='{driver.tx_queue_size}'>: QEMU"
                      " sizes a virtio-net transmit queue above 256 only for a vhost-user"
                      " back end; this NIC's stays at 256", driver.span,
                      hint="remove tx_queue_size, or use type='vhostuser'")

    def h(name):
        return getattr(host, name) if host is not None else None

    def g(name):
        return getattr(guest, name) if guest is not None else None

    return (("iommu_platform", driver.iommu), ("ats", driver.ats), ("packed", driver.packed),
            ("page-per-vq", driver.page_per_vq), ("tx", TXMODE.get(driver.txmode or "")),
            ("ioeventfd", driver.ioeventfd), ("event_idx", driver.event_idx),
            ("csum", h("csum")), ("gso", h("gso")), ("host_tso4", h("tso4")),
            ("host_tso6", h("tso6")), ("host_ecn", h("ecn")), ("host_ufo", h("ufo")),
            ("mrg_rxbuf", h("mrg_rxbuf")), ("guest_csum", g("csum")),
            ("guest_tso4", g("tso4")), ("guest_tso6", g("tso6")), ("guest_ecn", g("ecn")),
            ("guest_ufo", g("ufo")), ("mq", True if n else None),
            ("vectors", 2 * n + 2 if n else None),
            ("rx_queue_size", driver.rx_queue_size), ("tx_queue_size", driver.tx_queue_size),
            ("rss", driver.rss), ("hash", driver.rss_hash_report),
            ("host_mtu", mtu.size if mtu else None))


def _virtio_only(iface: Interface, ctx: QemuContext) -> None:
    driver, model = iface.driver, iface.model_type or DEFAULT_MODEL
    ignored = []
    if driver is not None:
        ignored += [f"{a}=" for a in ("queues", "rx_queue_size", "tx_queue_size", "txmode",
                                      "ioeventfd", "event_idx", "iommu", "ats", "packed",
                                      "page_per_vq", "rss", "rss_hash_report")
                    if getattr(driver, a) is not None and not (a == "queues" and driver.queues == 1)]
        ignored += [f"<{part.TAG}>" for part in (driver.host, driver.guest) if part is not None]
    if ignored:
        ctx.diags.add(QEMU433, f"<driver> {', '.join(ignored)} on a model='{model}' NIC:"
                      " only virtio-net has these settings; ignored", driver.span,
                      hint="use <model type='virtio'/>, or remove them")
    if iface.mtu is not None:
        ctx.diags.add(QEMU433, f"<mtu size='{iface.mtu.size}'> on a model='{model}' NIC: only"
                      " virtio-net tells the guest an MTU (host_mtu); libvirt would set it on"
                      " the host's tap, which virtc doesn't make", iface.mtu.span,
                      hint="use <model type='virtio'/>, or set the MTU inside the guest")


def acpi_index(iface: Interface, ctx: QemuContext) -> Props:
    index = iface.info.acpi_index
    if index is None:
        return ()
    if not ctx.has(Cap.ACPI_INDEX):
        ctx.unsupported(iface.info.span_of("acpi"), f"<acpi index='{index}'>",
                        "remove <acpi> or choose --qemu-version 6.0 or newer", rule=QEMU316)
        return ()
    return (("acpi-index", index),)


def rom_props(iface: Interface) -> Props:
    """libvirt's qemuBuildRomProps: enabled='no' is an empty romfile= (and no rombar=)."""
    rom = iface.rom
    if rom is None:
        return ()
    if rom.enabled is False:
        return (("romfile", ""),)
    rombar = None if rom.bar is None else (1 if rom.bar else 0)
    return (("rombar", rombar), ("romfile", rom.file))


def _check_ignored(iface: Interface, index: int, ctx: QemuContext) -> None:
    if iface.type is not NetType.USER:
        for ip in iface.ips:
            if ip.address:
                ctx.diags.add(QEMU306, f"<ip address='{ip.address}'> has no QEMU equivalent"
                              f" for type='{iface.type.value}' and is ignored: QEMU configures"
                              " a guest's address only on a user-mode NIC", ip.span,
                              "configure the address inside the guest or with DHCP")
    _not_compiled_parts(iface, ctx)
    if iface.script_path and iface.type is not NetType.ETHERNET:
        ctx.diags.add(QEMU306, f"<script path='{iface.script_path}'> has no QEMU equivalent"
                      f" for type='{iface.type.value}' and is ignored: only type='ethernet'"
                      " runs a script", iface.where(iface.script),
                      "remove <script> or use type='ethernet'")
    if iface.target_dev and iface.type in (NetType.USER, NetType.MCAST, NetType.SERVER,
                                           NetType.CLIENT, NetType.UDP, NetType.VHOSTUSER,
                                           NetType.NULL):
        ctx.diags.add(QEMU306, f"<target dev='{iface.target_dev}'> has no QEMU equivalent"
                      f" for type='{iface.type.value}' and is ignored: no host device exists",
                      iface.where(iface.target), "remove <target>")
    if iface.link is not None and iface.link.state == "down":
        ctx.diags.add(QEMU431, "<link state='down'>: QEMU has no command-line option for a"
                      " NIC's link state, so the argv starts the link up; libvirt sets it"
                      " down over QMP (set_link) once QEMU runs, and `virtc run` does the"
                      " same", iface.link.span,
                      hint=f"with this argv, send QMP {{\"execute\": \"set_link\", "
                      f"\"arguments\": {{\"name\": \"{iface.info.alias or f'net{index}'}\", "
                      "\"up\": false}} before the guest runs, or use `virtc run`")


def _not_compiled_parts(iface: Interface, ctx: QemuContext) -> None:
    """Valid libvirt that this builder doesn't carry: <bandwidth> and <coalesce> (host-side
    shaping and interrupt moderation on libvirt's tap: QEMU321), <vlan>, <virtualport>, a
    <portForward> or <backend> on another type than user, a <downscript> on another type
    than ethernet (QEMU320: the guest's network would differ)."""
    from ....compiler import uncompiled
    from ....compiler.devices.interface import unused_parts
    from ....compiler.rules.codes import QEMU320, QEMU321

    used = {"driver", "link", "mtu", "rom"}
    if iface.type is NetType.USER:
        used |= {"portForward", "backend"}
    if iface.type is NetType.ETHERNET:
        used.add("downscript")
    uncompiled.report(unused_parts(iface, used), ctx.diags, "QEMU", QEMU320, QEMU321)


def link_down_names(domain: Domain) -> List[Tuple[Optional[str], Span]]:
    """The QEMU names (for QMP set_link) of the NICs whose <link state='down'>, with the
    <link>'s span: the -device id where the NIC has an alias (as libvirt names it), else
    its -netdev id, which set_link also takes down with its NIC. None for a NIC that has
    neither (an alias-less null NIC)."""
    out: List[Tuple[Optional[str], Span]] = []
    for index, iface in enumerate(domain.devices.interfaces):
        if iface.link is None or iface.link.state != "down":
            continue
        alias = iface.info.alias
        name = alias or (f"net{index}" if iface.type is not NetType.NULL else None)
        out.append((name, iface.link.span))
    return out


def host_steps(node: Interface, run_dir: str) -> list:
    """`virtc run`'s steps for a NIC (backends/qemu/host.py): the directory of a vhost-user
    socket QEMU listens on (mode='server'), which QEMU doesn't create."""
    import os

    from ..host import MakeDir

    source = node.source
    if (node.type is not NetType.VHOSTUSER or source is None or source.mode != "server"
            or not source.path or not os.path.isabs(source.path)):
        return []
    return [MakeDir(os.path.dirname(source.path), "the vhost-user socket's directory of"
                    " <interface>")]
