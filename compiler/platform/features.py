"""<features>: what the hypervisor shows the guest, beyond its devices.

    <features>
      <acpi/> <apic eoi='on'/> <pae/> <hap state='off'/> <viridian/> <privnet/>
      <hyperv mode='custom'>
        <relaxed state='on'/> <spinlocks state='on' retries='8191'/>
        <stimer state='on'><direct state='on'/></stimer>
        <vendor_id state='on' value='KVM Hv'/> …
      </hyperv>
      <kvm><hidden state='on'/><dirty-ring state='on' size='4096'/> …</kvm>
      <xen><e820_host state='on'/><passthrough state='on' mode='sync_pt'/></xen>
      <pvspinlock state='on'/> <pmu state='off'/> <vmport state='off'/>
      <smm state='on'><tseg unit='MiB'>48</tseg></smm>
      <ioapic driver='qemu'/> <vmcoreinfo state='on'/>
    </features>

Schema: schemas/domain/features.xsd. Builders: backends/qemu/platform/features.py,
backends/xen/platform/features.py.

The 2007 flags <pae/>, <acpi/> and <apic/> stay plain booleans (`at` records where each
was written); every later child is a sub-node with its own span: a `State` for a switch
(switches.py), or a node of its own. The children libvirt only gives other hypervisors or
architectures (capabilities for LXC, gic for ARM, hpt/htm/nested-hv/ccf-assist/cfpc/sbbc/ibs
for pSeries, msrs for bhyve) and <tcg> are not read: each backend reports them as not
compiled (QEMU320/XEN440), as for any part lowering leaves unread.
"""
from __future__ import annotations

from typing import ClassVar, Optional, Tuple

from lxml import etree

from ..devices.xmlmap import Attr, Child
from ..diagnostics import Span
from ..node import Choice, Node, NotCompared
from ..reader import Reader
from .switches import NOWHERE, Flag, State, Switch, is_on


class Written(Node):
    """Where one of the 2007 flags was written (the same record as ir.Written)."""

    tag: str
    span: Span = NOWHERE


class HypervMode(Choice):
    CUSTOM = "custom"             # the enlightenments listed (libvirt's default)
    PASSTHROUGH = "passthrough"   # every enlightenment the host's KVM offers


class IoapicDriver(Choice):
    QEMU = "qemu"                 # the IOAPIC emulated in QEMU (kernel_irqchip=split)
    KVM = "kvm"                   # the in-kernel IOAPIC (kernel_irqchip=on)


class XenPassthroughMode(Choice):
    SYNC_PT = "sync_pt"
    SHARE_PT = "share_pt"


# The Hyper-V enlightenments that are plain switches, in libvirt's order (the order of
# virDomainHyperv, which is also the order libvirt writes them on -cpu).
HYPERV_SWITCHES = ("relaxed", "vapic", "vpindex", "runtime", "synic", "reset",
                   "frequencies", "reenlightenment", "tlbflush", "ipi", "evmcs", "avic")


class Spinlocks(Node):
    """<spinlocks state='on' retries='8191'/>: how often a guest spins before it tells the
    hypervisor (at least 4095, libvirt's rule)."""

    TAG: ClassVar[str] = "spinlocks"
    XML: ClassVar[tuple] = (Attr("state", "state", str), Attr("retries", "retries", int))
    state: Optional[str] = None
    retries: Optional[int] = None
    span: Span = NOWHERE

    @property
    def on(self) -> bool:
        return self.state == "on"


class Stimer(Node):
    """<stimer state='on'><direct state='on'/></stimer>: synthetic timers."""

    TAG: ClassVar[str] = "stimer"
    XML: ClassVar[tuple] = (Attr("state", "state", str), Switch("direct", "direct"))
    state: Optional[str] = None
    direct: Optional[State] = None
    span: Span = NOWHERE

    @property
    def on(self) -> bool:
        return self.state == "on"


class VendorId(Node):
    """<vendor_id state='on' value='KVM Hv'/>: the Hyper-V vendor string (≤ 12 characters)."""

    TAG: ClassVar[str] = "vendor_id"
    XML: ClassVar[tuple] = (Attr("state", "state", str), Attr("value", "value", str))
    state: Optional[str] = None
    value: Optional[str] = None
    span: Span = NOWHERE

    @property
    def on(self) -> bool:
        return self.state == "on"


class Hyperv(Node):
    """<hyperv mode=…>: Hyper-V enlightenments for Windows guests."""

    TAG: ClassVar[str] = "hyperv"
    XML: ClassVar[tuple] = (
        Attr("mode", "mode", HypervMode),
        Switch("relaxed", "relaxed"), Switch("vapic", "vapic"), Child("spinlocks", Spinlocks),
        Switch("vpindex", "vpindex"), Switch("runtime", "runtime"), Switch("synic", "synic"),
        Child("stimer", Stimer), Switch("reset", "reset"), Child("vendor_id", VendorId),
        Switch("frequencies", "frequencies"), Switch("reenlightenment", "reenlightenment"),
        Switch("tlbflush", "tlbflush"), Switch("ipi", "ipi"), Switch("evmcs", "evmcs"),
        Switch("avic", "avic"),
    )
    mode: Optional[HypervMode] = None
    relaxed: Optional[State] = None
    vapic: Optional[State] = None
    spinlocks: Optional[Spinlocks] = None
    vpindex: Optional[State] = None
    runtime: Optional[State] = None
    synic: Optional[State] = None
    stimer: Optional[Stimer] = None
    reset: Optional[State] = None
    vendor_id: Optional[VendorId] = None
    frequencies: Optional[State] = None
    reenlightenment: Optional[State] = None
    tlbflush: Optional[State] = None
    ipi: Optional[State] = None
    evmcs: Optional[State] = None
    avic: Optional[State] = None
    span: Span = NOWHERE


class DirtyRing(Node):
    """<dirty-ring state='on' size='4096'/>: KVM's dirty-page ring, `size` entries per vCPU."""

    TAG: ClassVar[str] = "dirty-ring"
    XML: ClassVar[tuple] = (Attr("state", "state", str), Attr("size", "size", int))
    state: Optional[str] = None
    size: Optional[int] = None
    span: Span = NOWHERE

    @property
    def on(self) -> bool:
        return self.state == "on"


class Kvm(Node):
    """<kvm>: switches of KVM's paravirtual interface."""

    TAG: ClassVar[str] = "kvm"
    XML: ClassVar[tuple] = (
        Switch("hidden", "hidden"), Switch("hint-dedicated", "hint_dedicated"),
        Switch("poll-control", "poll_control"), Switch("pv-ipi", "pv_ipi"),
        Child("dirty_ring", DirtyRing),
    )
    hidden: Optional[State] = None           # hide the KVM signature from the guest
    hint_dedicated: Optional[State] = None   # vCPUs are pinned: no PV spinlocks needed
    poll_control: Optional[State] = None     # the guest may turn host-side polling off
    pv_ipi: Optional[State] = None           # paravirtual IPIs
    dirty_ring: Optional[DirtyRing] = None
    span: Span = NOWHERE


class Passthrough(Node):
    """<passthrough state='on' mode='sync_pt|share_pt'/>: Xen PCI passthrough memory mode."""

    TAG: ClassVar[str] = "passthrough"
    XML: ClassVar[tuple] = (Attr("state", "state", str),
                            Attr("mode", "mode", XenPassthroughMode))
    state: Optional[str] = None
    mode: Optional[XenPassthroughMode] = None
    span: Span = NOWHERE

    @property
    def on(self) -> bool:
        return self.state == "on"


class XenFeatures(Node):
    """<xen>: Xen-only switches."""

    TAG: ClassVar[str] = "xen"
    XML: ClassVar[tuple] = (Switch("e820_host", "e820_host"), Child("passthrough", Passthrough))
    e820_host: Optional[State] = None        # a PV guest sees the host's E820 memory map
    passthrough: Optional[Passthrough] = None
    span: Span = NOWHERE


class Smm(Node):
    """<smm state=…><tseg unit='MiB'>48</tseg></smm>: System Management Mode (UEFI secure
    boot needs it); `tseg_kib` sizes q35's extended TSEG."""

    TAG: ClassVar[str] = "smm"
    state: Optional[str] = None
    tseg_kib: Optional[int] = None
    span: Span = NOWHERE
    at: Tuple[Written, ...] = NotCompared(())

    @property
    def on(self) -> bool:
        return self.state != "off"


class Ioapic(Node):
    TAG: ClassVar[str] = "ioapic"
    XML: ClassVar[tuple] = (Attr("driver", "driver", IoapicDriver),)
    driver: IoapicDriver = IoapicDriver.KVM
    span: Span = NOWHERE


class _SmmMapping(Node):
    """<smm> and its <tseg> (a scaled size whose default unit is MiB), kept in KiB."""

    field: str = "smm"

    def read(self, r: Reader, el) -> Optional[Smm]:
        smm = r.child(el, "smm")
        if smm is None:
            return None
        tseg = r.child(smm, "tseg")
        return Smm(state=r.token(smm, "state"),
                   tseg_kib=r.size_kib(tseg, default_unit="MiB") if tseg is not None else None,
                   span=r.span(smm),
                   at=(Written("tseg", r.span(tseg)),) if tseg is not None else ())

    def write(self, value: Optional[Smm], el) -> None:
        if value is None:
            return
        smm = etree.SubElement(el, "smm")
        if value.state is not None:
            smm.set("state", value.state)
        if value.tseg_kib is not None:
            tseg = etree.SubElement(smm, "tseg", unit="KiB")
            tseg.text = str(value.tseg_kib)


# The children after the 2007 flags, each declared once for lowering and writing, in the
# order libvirt writes them (virDomainFeature).
_LATER: tuple = (
    Switch("hap", "hap", required=False), Flag("viridian", "viridian"),
    Flag("privnet", "privnet"), Child("hyperv", Hyperv), Child("kvm", Kvm),
    Switch("pvspinlock", "pvspinlock", required=False), Switch("pmu", "pmu", required=False),
    Switch("vmport", "vmport", required=False), _SmmMapping(),
    Child("ioapic", Ioapic), Switch("vmcoreinfo", "vmcoreinfo", required=False),
    Child("xen", XenFeatures),
)


class Features(Node):
    """The <features> element."""

    pae: bool = False
    acpi: bool = False
    apic: bool = False
    apic_eoi: Optional[bool] = None          # <apic eoi='on|off'>: paravirtual end of interrupt
    hap: Optional[State] = None              # Xen: hardware-assisted paging (on by default)
    viridian: Optional[State] = None         # Xen: the Hyper-V (viridian) interface
    privnet: Optional[State] = None          # LXC: a private network namespace
    hyperv: Optional[Hyperv] = None
    kvm: Optional[Kvm] = None
    pvspinlock: Optional[State] = None       # paravirtual spinlocks (KVM's pv-unhalt)
    pmu: Optional[State] = None              # the guest's performance monitoring unit
    vmport: Optional[State] = None           # VMware's I/O port (pc and q35)
    smm: Optional[Smm] = None
    ioapic: Optional[Ioapic] = None
    vmcoreinfo: Optional[State] = None       # the vmcoreinfo device (guest crash dumps)
    xen: Optional[XenFeatures] = None
    span: Span = NOWHERE
    # Where <pae/>, <acpi/> and <apic/> were written.
    at: Tuple[Written, ...] = NotCompared(())

    def span_of(self, tag: str) -> Span:
        """The span of the child <tag> as written, else the element's own."""
        sub = getattr(self, tag, None)
        if isinstance(sub, Node) and getattr(sub, "span", NOWHERE) != NOWHERE:
            return sub.span
        return next((w.span for w in self.at if w.tag == tag), self.span)

    def on(self, name: str) -> bool:
        """True when the switch `name` (pae, hap, pmu, …) is written and on."""
        value = getattr(self, name)
        return value if isinstance(value, bool) else is_on(value)


def lower_features(r: Reader, el) -> Features:
    if el is None:
        return Features()
    r.use(el)
    values: dict = {}
    at = []
    for tag in ("pae", "acpi", "apic"):
        sub = r.child(el, tag)
        if sub is not None:
            values[tag] = True
            at.append(Written(tag, r.span(sub)))
            if tag == "apic" and r.token(sub, "eoi") is not None:
                values["apic_eoi"] = r.token(sub, "eoi") == "on"
    for mapping in _LATER:
        values[mapping.field] = mapping.read(r, el)
    return Features(span=r.span(el), at=tuple(at),
                    **{k: v for k, v in values.items() if v is not None})


def write_features(features: Features):
    """The <features> element, or None when nothing in it is set."""
    el = etree.Element("features")
    for tag in ("pae", "acpi", "apic"):
        if getattr(features, tag):
            sub = etree.SubElement(el, tag)
            if tag == "apic" and features.apic_eoi is not None:
                sub.set("eoi", "on" if features.apic_eoi else "off")
    for mapping in _LATER:
        mapping.write(getattr(features, mapping.field), el)
    return el if len(el) else None


__all__ = ["Features", "Hyperv", "Kvm", "XenFeatures", "Smm", "Ioapic", "Spinlocks", "Stimer",
           "VendorId", "DirtyRing", "Passthrough", "State", "HypervMode", "IoapicDriver",
           "XenPassthroughMode", "HYPERV_SWITCHES", "lower_features", "write_features"]
