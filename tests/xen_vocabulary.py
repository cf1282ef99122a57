"""Hypothesis strategies for Xen domains, as domain XML: one entry per construct.

`CONSTRUCTS` is the one place to add a construct when its Xen mapping lands: a name, where
its XML goes (`domain` for a child of <domain>, `os` for the guest's <os> and its boot
loader, `features`, `devices`), which guests take
it (HVM, PV or both), the targets that carry it, a group when only one of several may be
drawn (one display), and a strategy that draws its XML text. `xen_domains()` draws a guest
type, then a fragment (or nothing) from every construct that applies, and assembles a
document; tests/test_xen_cases.py checks that each one compiles for xm and xl, imports to
the same facts and reaches a fixed point.

A strategy draws only what virtc compiles for both xm and xl (else mark it `targets=`),
and values the config can carry back (a MAC in lower case, a port ≥ 5900, …).
"""
from __future__ import annotations

from typing import Callable, List, NamedTuple, Optional, Tuple
from xml.sax.saxutils import quoteattr

from hypothesis import strategies as st

HVM, PV = "hvm", "pv"


class Construct(NamedTuple):
    name: str
    place: str                       # "domain", "os", "features" or "devices"
    guests: Tuple[str, ...]          # HVM, PV
    draw: Callable[[str], st.SearchStrategy]   # guest type → strategy of XML text
    targets: Tuple[str, ...] = ("xen-xm", "xen-xl")
    group: Optional[str] = None      # at most one construct of a group (one display)


def attr(name: str, value: Optional[object]) -> str:
    return "" if value is None else f" {name}={quoteattr(str(value))}"


PATHS = st.text(st.sampled_from("abcxyz019_-."), min_size=1, max_size=8).map(
    lambda s: "/var/lib/xen/" + s)
def macs(nic: int) -> st.SearchStrategy:
    """MACs of the nic-th NIC construct: each its own, so no two NICs share one (SEM2xx)."""
    return st.lists(st.integers(0, 255), min_size=2, max_size=2).map(
        lambda b: f"00:16:3e:{nic:02x}:" + ":".join(f"{x:02x}" for x in b))
TEXT = st.text(st.characters(whitelist_categories=("L", "N"), whitelist_characters=" =/_-"),
               min_size=1, max_size=12).map(str.strip).filter(bool)
ESCAPE = lambda text: text.replace("&", "&amp;").replace("<", "&lt;")  # noqa: E731


def _memory(guest: str):
    # Whole MiB: xm and xl count memory in MiB (virtc rounds a KiB value up); any unit.
    units = {"KiB": 1024, "k": 1024, "MiB": 1, "M": 1, "b": 1024 * 1024}

    def spell(mib: int, unit: str) -> str:
        return f"unit='{unit}'>{mib * units[unit]}"
    return st.tuples(st.integers(64, 4096), st.integers(0, 3),
                     st.sampled_from(sorted(units))).map(
        lambda m: f"<memory {spell(m[0], m[2])}</memory>"
                  + (f"<currentMemory {spell(m[0] // (m[1] + 1), m[2])}</currentMemory>"
                     if m[1] else ""))


def _lifecycle(guest: str):
    actions = st.sampled_from(["destroy", "restart", "preserve", "rename-restart"])
    crash = st.sampled_from(["destroy", "restart", "preserve", "rename-restart",
                             "coredump-destroy", "coredump-restart"])
    return st.tuples(actions, actions, crash).map(
        lambda a: f"<on_poweroff>{a[0]}</on_poweroff><on_reboot>{a[1]}</on_reboot>"
                  f"<on_crash>{a[2]}</on_crash>")


def _clock(guest: str):
    """utc or localtime; on HVM a variable offset (rtc_timeoffset); tsc_mode and HVM hpet."""
    @st.composite
    def clock(draw):
        offsets = ["offset='utc'", "offset='localtime'"]
        if guest == HVM:
            offsets += [f"offset='variable' adjustment='{a}' basis='{b}'"
                        for a in (0, 3600, -7200) for b in ("utc", "localtime")]
        timers = []
        tsc = draw(st.sampled_from([None, "native", "emulate", "paravirt"]))
        if tsc:
            timers.append(f"<timer name='tsc' mode='{tsc}'/>")
        if guest == HVM and draw(st.booleans()):
            timers.append(f"<timer name='hpet' present='{draw(st.sampled_from(['yes', 'no']))}'/>")
        return f"<clock {draw(st.sampled_from(offsets))}>{''.join(timers)}</clock>"
    return clock()


def _hypervisor_features(guest: str):
    """hap off, viridian and PCI passthrough (HVM); e820_host (PV): libvirt's xen_common.c."""
    if guest == PV:
        return st.just("<xen><e820_host state='on'/></xen>")
    return st.tuples(st.booleans(), st.booleans(),
                     st.sampled_from([None, "sync_pt", "share_pt", ""])).map(
        lambda f: ("<hap state='off'/>" if f[0] else "") + ("<viridian/>" if f[1] else "")
        + ("" if f[2] is None else "<xen><passthrough state='on'"
           + (f" mode='{f[2]}'" if f[2] else "") + "/></xen>"))


def _feature_flags(guest: str):
    return st.sets(st.sampled_from(["pae", "acpi", "apic"])).map(
        lambda fs: "".join(f"<{f}/>" for f in sorted(fs)))


def _disk(guest: str):
    targets = ["hda", "hdb", "hdd"] if guest == HVM else ["xvda", "xvdb", "xvdc"]

    @st.composite
    def disk(draw):
        kind = draw(st.sampled_from(["file", "block"]))
        source = (f"<source file='{draw(PATHS)}'/>" if kind == "file"
                  else f"<source dev='/dev/vg/{draw(st.sampled_from('abc'))}'/>")
        driver = draw(st.sampled_from(["", "<driver name='tap' type='qcow2'/>"]
                                      if kind == "file" else [""]))
        readonly = draw(st.sampled_from(["", "<readonly/>"]))
        return (f"<disk type='{kind}' device='disk'>{driver}{source}"
                f"<target dev='{draw(st.sampled_from(targets))}'/>{readonly}</disk>")
    return disk()


def _cdrom(guest: str):
    return st.one_of(st.just(""), PATHS.map(lambda p: f"<source file='{p}'/>")).map(
        lambda source: f"<disk type='file' device='cdrom'>{source}<target dev='hdc'/>"
                       "<readonly/></disk>")


def _interface(guest: str):
    @st.composite
    def nic(draw):
        bridged = draw(st.booleans())
        parts = [f"<mac address='{draw(macs(0))}'/>"]
        if bridged:
            parts.append(f"<source bridge='{draw(st.sampled_from(['xenbr0', 'br1']))}'/>")
        if draw(st.booleans()):
            parts.append("<ip address='192.0.2.7'/>")
        if not bridged:
            parts.append("<script path='vif-route'/>")
        model = draw(st.sampled_from([None, "e1000", "netfront"]))
        if model:
            parts.append(f"<model type='{model}'/>")
        kind = "bridge" if bridged else "ethernet"
        return f"<interface type='{kind}'>{''.join(parts)}</interface>"
    return nic()


def _graphics(guest: str):
    @st.composite
    def vnc(draw):
        port = draw(st.sampled_from([None, 5901, 5910]))
        return ("<graphics type='vnc'" + attr("port", port if port else -1)
                + attr("autoport", None if port else "yes")
                + attr("listen", draw(st.sampled_from([None, "127.0.0.1", "0.0.0.0"])))
                + attr("passwd", draw(st.none() | TEXT.filter(lambda t: "," not in t)))
                + attr("keymap", draw(st.sampled_from([None, "en-us", "de"]))) + "/>")
    return st.one_of(vnc(), st.just("<graphics type='sdl'/>"))


def _usb_input(guest: str):
    return st.sampled_from(["<input type='tablet' bus='usb'/>",
                            "<input type='mouse' bus='usb'/>"])


def _serial(guest: str):
    return st.sampled_from([
        "<serial type='pty'><target port='0'/></serial>",
        "<serial type='file'><source path='/var/log/xen/s.log'/><target port='0'/></serial>",
        "<serial type='tcp'><source mode='bind' host='127.0.0.1' service='4555'/>"
        "<protocol type='telnet'/><target port='0'/></serial>",
    ])


def _xl_disk(guest: str):
    """xl's key=value disk spec: qdisk formats and rbd volumes (xenFormatXLDisk)."""
    targets = ["hdb", "hdd"] if guest == HVM else ["xvdb", "xvdc"]

    @st.composite
    def disk(draw):
        target = f"<target dev='{draw(st.sampled_from(targets))}'/>"
        if draw(st.booleans()):
            fmt = draw(st.sampled_from(["raw", "qcow", "qcow2", "qed", "vhd"]))
            return (f"<disk type='file' device='disk'><driver name='qemu' type='{fmt}'/>"
                    f"<source file='{draw(PATHS)}'/>{target}</disk>")
        hosts = draw(st.lists(st.tuples(st.sampled_from(["mon1", "mon2.example.org"]),
                                        st.sampled_from([None, 6789, 6322])),
                              min_size=1, max_size=3))
        return ("<disk type='network' device='disk'><driver name='qemu' type='raw'/>"
                "<source protocol='rbd' name='pool/image'>"
                + "".join(f"<host name='{h}'{attr('port', p)}/>" for h, p in hosts)
                + f"</source>{target}</disk>")
    return disk()


def _shared_disk(guest: str):
    """xend's w! mode (libxlu refuses it: xm only)."""
    target = "hdb" if guest == HVM else "xvdb"
    return PATHS.map(lambda p: f"<disk type='file' device='disk'><source file='{p}'/>"
                               f"<target dev='{target}'/><shareable/></disk>")


def _nic_extras(guest: str):
    """Several IPs, an outbound rate, an Open vSwitch VLAN (xenFormatNet)."""
    @st.composite
    def nic(draw):
        ips = draw(st.lists(st.sampled_from(["10.0.0.1", "10.1.1.1", "2000::1"]),
                            unique=True, max_size=3))
        parts = [f"<mac address='{draw(macs(1))}'/>"]
        vlan = draw(st.sampled_from([None, (42,), (42, 47)]))
        if vlan:
            parts.append("<source bridge='ovsbr0'/>")
            trunk = " trunk='yes'" if len(vlan) > 1 else ""
            parts.append(f"<vlan{trunk}>" + "".join(f"<tag id='{t}'/>" for t in vlan)
                         + "</vlan><virtualport type='openvswitch'/>")
        else:
            parts.append("<source bridge='xenbr1'/>")
        parts += [f"<ip address='{ip}'/>" for ip in ips]
        rate = draw(st.sampled_from([None, 1024, 10240]))
        if rate:
            parts.append(f"<bandwidth><outbound average='{rate}'/></bandwidth>")
        return f"<interface type='bridge'>{''.join(parts)}</interface>"
    return nic()


def _spice(guest: str):
    """xl's spice keys (xenFormatXLSpice): a fixed port, a password or none, the agent."""
    @st.composite
    def spice(draw):
        port = draw(st.sampled_from([5901, 5930]))
        passwd = draw(st.sampled_from([None, "sekrit"]))
        mouse = draw(st.sampled_from(["", "<mouse mode='client'/>", "<mouse mode='server'/>"]))
        listen = draw(st.sampled_from(["0.0.0.0", "127.0.0.1"]))
        return (f"<graphics type='spice' port='{port}' autoport='no' listen='{listen}'"
                f"{attr('passwd', passwd)}><listen type='address' address='{listen}'/>"
                f"{mouse}</graphics>")
    return spice()


def _sound(guest: str):
    return st.lists(st.sampled_from(["sb16", "es1370", "ac97"]), min_size=1, max_size=2,
                    unique=True).map(
        lambda models: "".join(f"<sound model='{m}'/>" for m in models))


def _pci_hostdev(guest: str):
    @st.composite
    def hostdev(draw):
        bus, slot = draw(st.integers(1, 8)), draw(st.integers(0, 31))
        filtering = draw(st.sampled_from(["", " writeFiltering='no'"]))
        return (f"<hostdev mode='subsystem' type='pci' managed='no'><source{filtering}>"
                f"<address domain='0x0000' bus='{bus:#04x}' slot='{slot:#04x}' "
                "function='0x0'/></source></hostdev>")
    return hostdev()


def _usb_hostdev(guest: str):
    return st.tuples(st.integers(1, 9), st.integers(1, 30)).map(
        lambda a: "<hostdev mode='subsystem' type='usb' managed='no'><source>"
                  f"<address bus='{a[0]}' device='{a[1]}'/></source></hostdev>")


def _channel(guest: str):
    return st.sampled_from([
        "<channel type='pty'><target type='xen' name='org.qemu.guest_agent.0'/></channel>",
        "<channel type='unix'><source mode='bind' path='/run/xen/ga.sock'/>"
        "<target type='xen' name='org.qemu.guest_agent.0'/></channel>",
    ])


def _hvm_os(guest: str):
    """HVM firmware and boot: hvmloader with boot devices; on xl, OVMF, direct kernel
    boot and an ACPI SLIC table (libvirt's xenFormatXLOS)."""
    boots = st.lists(st.sampled_from(["hd", "cdrom", "network", "fd"]), min_size=1,
                     max_size=3, unique=True).map(
        lambda devs: "".join(f"<boot dev='{d}'/>" for d in devs if d != "fd"))
    return boots.map(lambda b: "<os><type>hvm</type>"
                               f"<loader>/usr/lib/xen/boot/hvmloader</loader>{b}</os>")


def _xl_hvm_os(guest: str):
    return st.sampled_from([
        "<os><type>hvm</type><loader readonly='yes' type='pflash'>"
        "/usr/lib/xen/boot/ovmf.bin</loader><boot dev='cdrom'/></os>",
        "<os><type>hvm</type><kernel>/tmp/vmlinuz</kernel><initrd>/tmp/initrd</initrd>"
        "<cmdline>ignore_loglvl</cmdline><boot dev='hd'/></os>",
        "<os><type>hvm</type><acpi><table type='slic'>/sys/firmware/acpi/tables/SLIC"
        "</table></acpi><boot dev='cdrom'/></os>",
    ])


def _pv_os(guest: str):
    """A PV guest's kernel (with initrd, root, extra) or its bootloader."""
    @st.composite
    def pv(draw):
        if draw(st.booleans()):
            args = draw(st.sampled_from([None, "-q", "--entry=xvda1:/boot/vmlinuz"]))
            return ("<bootloader>/usr/bin/pygrub</bootloader>"
                    + (f"<bootloader_args>{args}</bootloader_args>" if args else "")
                    + "<os><type>linux</type></os>")
        parts = ["<type>linux</type><kernel>/boot/vmlinuz</kernel>"]
        if draw(st.booleans()):
            parts.append("<initrd>/boot/initrd.img</initrd>")
        cmdline = draw(st.sampled_from([None, "console=hvc0", "root=/dev/xvda1 ro"]))
        if cmdline:
            parts.append(f"<cmdline>{cmdline}</cmdline>")
        return "<os>" + "".join(parts) + "</os>"
    return pv()


def _emulator(guest: str):
    # xm's device_model; xl's device_model_override with the version its name implies.
    return st.sampled_from(["/usr/lib/xen/bin/qemu-dm", "/usr/lib/xen/bin/qemu-system-i386",
                            "/usr/local/lib/xen/bin/qemu-dm"]).map(
        lambda path: f"<emulator>{path}</emulator>")


def _xenbus(guest: str):
    """xl's max_grant_frames / max_event_channels on the xenbus controller."""
    limit = st.one_of(st.none(), st.integers(1, 4096))
    return st.tuples(limit, limit).filter(lambda t: any(t)).map(
        lambda t: "<controller type='xenbus' index='0'" + attr("maxGrantFrames", t[0])
                  + attr("maxEventChannels", t[1]) + "/>")


def _usb_controllers(guest: str):
    """xl's usbctrl list: Xen PV USB controllers with 1 to 31 ports, and maybe a host
    device at a port of the first (usbdev's controller= and port=; host bus 10 and up,
    written 0x…, so it is no device the "usb hostdev" construct draws)."""
    one = st.tuples(st.sampled_from(["qusb1", "qusb2"]), st.integers(1, 31))

    @st.composite
    def controllers(draw):
        cs = draw(st.lists(one, min_size=1, max_size=3))
        xml = "".join(f"<controller type='usb' index='{i}' model='{m}' ports='{p}'/>"
                      for i, (m, p) in enumerate(cs))
        if draw(st.booleans()):
            port = draw(st.one_of(st.none(), st.integers(1, cs[0][1])))
            xml += ("<hostdev mode='subsystem' type='usb' managed='no'><source><address "
                    f"bus='{draw(st.integers(10, 300))}' device='{draw(st.integers(1, 127))}'/>"
                    "</source><address type='usb' bus='0'" + attr("port", port) + "/></hostdev>")
        return xml
    return controllers()


def _builtin_controllers(guest: str):
    """What libvirt's dumpxml adds and needs no key: HVM's IDE controller, the xenbus."""
    ide = "<controller type='ide' index='0'/>" if guest == HVM else ""
    return st.just(ide + "<controller type='xenbus' index='0'/>")


CONSTRUCTS: List[Construct] = [
    Construct("hvm os", "os", (HVM,), _hvm_os, group="os"),
    Construct("xl hvm os", "os", (HVM,), _xl_hvm_os, targets=("xen-xl",), group="os"),
    Construct("pv os", "os", (PV,), _pv_os, group="os"),
    Construct("memory", "domain", (HVM, PV), _memory),
    Construct("lifecycle", "domain", (HVM, PV), _lifecycle),
    Construct("clock", "domain", (HVM, PV), _clock),
    Construct("pae/acpi/apic", "features", (HVM,), _feature_flags),
    Construct("hypervisor features", "features", (HVM, PV), _hypervisor_features),
    Construct("disk", "devices", (HVM, PV), _disk),
    Construct("cdrom", "devices", (HVM,), _cdrom),
    Construct("xl disk", "devices", (HVM, PV), _xl_disk, targets=("xen-xl",)),
    Construct("shared disk", "devices", (HVM, PV), _shared_disk, targets=("xen-xm",)),
    Construct("interface", "devices", (HVM, PV), _interface),
    Construct("interface extras", "devices", (HVM, PV), _nic_extras),
    Construct("graphics", "devices", (HVM, PV), _graphics, group="display"),
    Construct("spice", "devices", (HVM,), _spice, targets=("xen-xl",), group="display"),
    Construct("sound", "devices", (HVM,), _sound),
    Construct("pci hostdev", "devices", (HVM, PV), _pci_hostdev),
    Construct("usb hostdev", "devices", (HVM, PV), _usb_hostdev, targets=("xen-xl",)),
    Construct("channel", "devices", (HVM, PV), _channel, targets=("xen-xl",)),
    Construct("usb input", "devices", (HVM,), _usb_input),
    Construct("serial", "devices", (HVM,), _serial),
    Construct("emulator", "devices", (HVM,), _emulator),
    Construct("xenbus limits", "devices", (HVM, PV), _xenbus, targets=("xen-xl",),
              group="xenbus"),
    Construct("builtin controllers", "devices", (HVM, PV), _builtin_controllers,
              group="xenbus"),
    Construct("usb controllers", "devices", (HVM, PV), _usb_controllers, targets=("xen-xl",)),
]


def _os(guest: str) -> str:
    if guest == HVM:
        return ("<os><type>hvm</type><loader>/usr/lib/xen/boot/hvmloader</loader>"
                "<boot dev='hd'/></os>")
    return "<os><type>linux</type><kernel>/boot/vmlinuz</kernel></os>"


@st.composite
def xen_domains(draw, target: str) -> Tuple[bytes, List[str]]:
    """(document, names of the constructs it holds) for `target`."""
    guest = draw(st.sampled_from([HVM, PV]))
    places = {"domain": [], "os": [], "features": [], "devices": []}
    used, groups = [], set()
    for c in CONSTRUCTS:
        if guest not in c.guests or target not in c.targets or c.group in groups:
            continue
        fragment = draw(st.one_of(st.just(""), c.draw(guest)))
        if fragment:
            places[c.place].append(fragment)
            used.append(c.name)
            groups.add(c.group)
    if not any("<memory" in f for f in places["domain"]):
        places["domain"].insert(0, "<memory unit='KiB'>262144</memory>")
    devices = _unique_targets(places["devices"])
    features = f"<features>{''.join(places['features'])}</features>" \
        if places["features"] else ""
    os = "".join(places["os"]) or _os(guest)
    doc = ("<domain type='xen'><name>gen</name>" + "".join(places["domain"]) + os
           + features + "<devices>" + "".join(devices) + "</devices></domain>")
    return doc.encode(), used


def _unique_targets(devices: List[str]) -> List[str]:
    """One disk per target name: a second disk on a target would be SEM2xx."""
    seen, out = set(), []
    for d in devices:
        key = d.split("<target dev='", 1)[1].split("'", 1)[0] if "<disk" in d else None
        if key is not None and key in seen:
            continue
        seen.add(key)
        out.append(d)
    return out
