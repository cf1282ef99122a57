"""<os> and <sysinfo>: the guest's firmware, boot and identity, as IR nodes, lowering and writer.

    <os firmware='efi'>
      <type arch='x86_64' machine='q35'>hvm</type>
      <firmware><feature enabled='yes' name='secure-boot'/></firmware>
      <loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.secboot.fd</loader>
      <nvram template='/usr/share/OVMF/OVMF_VARS_4M.ms.fd'>/var/lib/libvirt/qemu/nvram/g_VARS.fd</nvram>
      <kernel>…</kernel> <initrd>…</initrd> <cmdline>…</cmdline> <dtb>…</dtb>
      <boot dev='hd'/>
      <bootmenu enable='yes' timeout='3000'/>
      <smbios mode='sysinfo'/>
      <bios useserial='yes' rebootTimeout='0'/>
      <acpi><table type='slic'>/path/slic.dat</table></acpi>
    </os>
    <sysinfo type='smbios'><bios><entry name='vendor'>…</entry></bios> <system>… </sysinfo>

Schema: schemas/domain/os.xsd, general.xsd (sysinfo). The `Os` record itself is in
compiler/ir.py (every stage reads it); its sub-elements are the nodes below, each with its
span, read and written through one declared mapping (compiler/devices/xmlmap.py).
Defaults (firmware autoselection, the NVRAM path, the loader type): compiler/postparse/os.py.
Builders: backends/qemu/guest_os.py; Xen: backends/xen/guest_os.py.

What lowering reads here stops being reported as not compiled: the <loader>, <nvram> (its
text and template; an <nvram type=…><source> stays unread and reported), <firmware>,
<bootmenu>, <smbios>, <bios>, <acpi><table>, <dtb>, and <sysinfo type='smbios'>.
<sysinfo type='fwcfg'> and the container children (<init>…) stay unread and reported.
"""
from __future__ import annotations

from typing import ClassVar, List, Optional, Tuple

from . import ir
from .devices.xmlmap import Attr, Children, Text, lower, write, yes_no
from .diagnostics import Diagnostics, Span
from .node import Choice, Node
from .reader import NotLowered, Reader
from .rules.codes import SEM216, SEM280

NOWHERE = ir.NOWHERE


class OsFirmware(Choice):
    """<os firmware=…>: ask for firmware of this kind; libvirt (and post-parse) picks it."""

    BIOS = "bios"
    EFI = "efi"


class LoaderType(Choice):
    ROM = "rom"          # mapped as a ROM: QEMU -bios
    PFLASH = "pflash"    # a flash device: UEFI code (and the NVRAM beside it)


class SmbiosMode(Choice):
    EMULATE = "emulate"  # the hypervisor's own values
    HOST = "host"        # the host's SMBIOS tables
    SYSINFO = "sysinfo"  # the domain's <sysinfo>


class AcpiTableType(Choice):
    SLIC = "slic"


class SysinfoType(Choice):
    SMBIOS = "smbios"


class FirmwareFeature(Node):
    """<firmware><feature enabled='yes|no' name='secure-boot|enrolled-keys'/>."""

    TAG: ClassVar[str] = "feature"
    XML: ClassVar[tuple] = (Attr("enabled", "enabled", yes_no), Attr("name", "name"))
    enabled: bool = True
    name: str = ""
    span: Span = NOWHERE


class FirmwareFeatures(Node):
    """<firmware>: what autoselected firmware must (enabled='yes') or must not offer."""

    TAG: ClassVar[str] = "firmware"
    XML: ClassVar[tuple] = (Children("features", FirmwareFeature),)
    features: Tuple[FirmwareFeature, ...] = ()
    span: Span = NOWHERE

    def wants(self, name: str) -> Optional[bool]:
        """True/False when <feature name=NAME> says so, None when it isn't named."""
        return next((f.enabled for f in self.features if f.name == name), None)


class Loader(Node):
    """<loader>: the firmware image; `path` None when <os firmware=…> is to pick it."""

    TAG: ClassVar[str] = "loader"
    XML: ClassVar[tuple] = (
        Attr("readonly", "readonly", yes_no),
        Attr("secure", "secure", yes_no),
        Attr("type", "type", LoaderType),
        Attr("stateless", "stateless", yes_no),
        Text("path"),
    )
    readonly: Optional[bool] = None
    secure: Optional[bool] = None
    type: Optional[LoaderType] = None
    stateless: Optional[bool] = None
    path: Optional[str] = None
    span: Span = NOWHERE


class Nvram(Node):
    """<nvram template=…>PATH</nvram>: the guest's UEFI variable store, made from template."""

    TAG: ClassVar[str] = "nvram"
    XML: ClassVar[tuple] = (Attr("template", "template"), Text("path"))
    template: Optional[str] = None
    path: Optional[str] = None
    span: Span = NOWHERE


class Bootmenu(Node):
    """<bootmenu enable='yes' timeout='MS'/>: the firmware's interactive boot menu."""

    TAG: ClassVar[str] = "bootmenu"
    XML: ClassVar[tuple] = (Attr("enable", "enable", yes_no), Attr("timeout", "timeout", int))
    enable: bool = False
    timeout: Optional[int] = None
    span: Span = NOWHERE


class Smbios(Node):
    """<smbios mode=…/>: where the guest's SMBIOS tables come from."""

    TAG: ClassVar[str] = "smbios"
    XML: ClassVar[tuple] = (Attr("mode", "mode", SmbiosMode),)
    mode: SmbiosMode = SmbiosMode.EMULATE
    span: Span = NOWHERE


class Bios(Node):
    """<bios useserial='yes' rebootTimeout='MS'/>: SeaBIOS on the serial port, and how long
    a failed boot waits before it retries (-1: never)."""

    TAG: ClassVar[str] = "bios"
    XML: ClassVar[tuple] = (Attr("useserial", "useserial", yes_no),
                            Attr("rebootTimeout", "reboot_timeout", int))
    useserial: Optional[bool] = None
    reboot_timeout: Optional[int] = None
    span: Span = NOWHERE


class AcpiTable(Node):
    """<acpi><table type='slic'>PATH</table></acpi>: an ACPI table handed to the guest."""

    TAG: ClassVar[str] = "table"
    XML: ClassVar[tuple] = (Attr("type", "type", AcpiTableType), Text("path"))
    type: AcpiTableType = AcpiTableType.SLIC
    path: Optional[str] = None
    span: Span = NOWHERE


class SysinfoEntry(Node):
    """<entry name=…>VALUE</entry> (an <oemStrings> entry has no name)."""

    TAG: ClassVar[str] = "entry"
    XML: ClassVar[tuple] = (Attr("name", "name"), Text("value"))
    name: Optional[str] = None
    value: Optional[str] = None
    span: Span = NOWHERE


def _block(tag: str, smbios_type: int, doc: str) -> type:
    """One SMBIOS block of <sysinfo type='smbios'>: the element, its SMBIOS structure type."""
    return type(f"Sysinfo_{tag}", (Node,), {
        "__doc__": doc,
        "__module__": __name__,
        "__annotations__": {"entries": "Tuple[SysinfoEntry, ...]", "span": "Span"},
        "TAG": tag, "SMBIOS_TYPE": smbios_type,
        "XML": (Children("entries", SysinfoEntry),),
        "entries": (), "span": NOWHERE,
    })


SysinfoBios = _block("bios", 0, "<bios>: SMBIOS type 0 (vendor, version, date, release).")
SysinfoSystem = _block("system", 1, "<system>: SMBIOS type 1 (manufacturer, product, …, uuid).")
SysinfoBaseBoard = _block("baseBoard", 2, "<baseBoard>: SMBIOS type 2.")
SysinfoChassis = _block("chassis", 3, "<chassis>: SMBIOS type 3.")
SysinfoOemStrings = _block("oemStrings", 11, "<oemStrings>: SMBIOS type 11, one value each.")
SYSINFO_BLOCKS = (SysinfoBios, SysinfoSystem, SysinfoBaseBoard, SysinfoChassis,
                  SysinfoOemStrings)


class Sysinfo(Node):
    """<sysinfo type='smbios'>: the SMBIOS blocks, in document order."""

    TAG: ClassVar[str] = "sysinfo"
    type: SysinfoType = SysinfoType.SMBIOS
    blocks: Tuple[Node, ...] = ()
    span: Span = NOWHERE


def loader_type(loader: Optional[Loader], nvram: Optional[Nvram]) -> Optional[LoaderType]:
    """The loader's type, with post-parse's rule for an untyped one (postparse/firmware.py):
    pflash when it is read-only or has an <nvram> (only flash has a variable store), else
    rom, what an untyped <loader> has always meant for QEMU."""
    if loader is None or loader.path is None or loader.type is not None:
        return loader.type if loader is not None else None
    return LoaderType.PFLASH if loader.readonly or nvram is not None else LoaderType.ROM


# ------------------------------------------------------------------ lowering

# The <os> children that hold one text value each; <boot> may repeat, in order.
_TEXT_CHILDREN = ("type", "kernel", "initrd", "cmdline", "root", "dtb")
_NODES = (("loader", Loader), ("nvram", Nvram), ("firmware", FirmwareFeatures),
          ("bootmenu", Bootmenu), ("smbios", Smbios), ("bios", Bios))


def lower_os(r: Reader, os_el, diags: Diagnostics) -> Optional[ir.Os]:
    """The IR of <os>; None (SEM216 reported) when it has no <type>.

    Raises NotLowered when the OS type is one no backend compiles (exe, xenpvh on a
    backend… see ir.OsType)."""
    values = {tag: (found[0] if found else None)
              for tag in _TEXT_CHILDREN for found in [r.children(os_el, tag)]}
    type_el = values["type"]
    if type_el is None:
        diags.add(SEM216, "<os> has no <type>", r.span(os_el),
                  hint="add <type>hvm</type> for a fully virtualized guest, "
                       "or <type>linux</type> for a Xen paravirtualized one")
        return None
    text = {tag: (r.text(el) if el is not None else None) for tag, el in values.items()}
    try:
        os_type = ir.OsType(text["type"].strip())
    except ValueError:
        raise NotLowered(type_el, None, text["type"].strip()) from None
    boots = tuple(ir.Boot(ir.BootDev(r.token(b, "dev")), r.span(b))
                  for b in r.children(os_el, "boot"))
    nodes = {field: _sub(r, os_el, cls) for field, cls in _NODES}
    return ir.Os(
        type=os_type,
        arch=r.attr(type_el, "arch"),
        machine=r.attr(type_el, "machine"),
        kernel=text["kernel"],
        initrd=text["initrd"],
        cmdline=text["cmdline"],
        root=text["root"],
        dtb=text["dtb"],
        boot=boots,
        firmware=_firmware_attr(r, os_el),
        firmware_features=nodes["firmware"],
        loader=nodes["loader"],
        nvram=nodes["nvram"],
        bootmenu=nodes["bootmenu"],
        smbios=nodes["smbios"],
        bios=nodes["bios"],
        acpi_tables=_acpi_tables(r, os_el),
        span=r.span(os_el),
        at=tuple(ir.Written(tag, r.span(el)) for tag, el in values.items() if el is not None),
    )


def _firmware_attr(r: Reader, os_el) -> Optional[OsFirmware]:
    try:
        return r.enum(os_el, "firmware", OsFirmware)
    except NotLowered:          # not possible for a schema-valid document; stays reported
        return None


def _sub(r: Reader, parent, cls):
    """The node for the child <cls.TAG>, or None (absent, or a value the IR can't hold:
    then the element stays unread and is reported as not compiled)."""
    el = r.peek(parent, cls.TAG)
    if el is None:
        return None
    try:
        return lower(cls, r, el)
    except NotLowered:
        r.forget(el)
        return None


def _acpi_tables(r: Reader, os_el) -> Tuple[AcpiTable, ...]:
    acpi = r.peek(os_el, "acpi")
    if acpi is None:
        return ()
    tables: List[AcpiTable] = []
    for el in r.peek_all(acpi, "table"):
        node = _sub_el(r, el, AcpiTable)
        if node is not None:
            tables.append(node)
    if len(tables) == len(r.peek_all(acpi, "table")):
        r.use(acpi)
    return tuple(tables)


def _sub_el(r: Reader, el, cls):
    try:
        return lower(cls, r, el)
    except NotLowered:
        r.forget(el)
        return None


def lower_sysinfo(r: Reader, root) -> Tuple[Sysinfo, ...]:
    """Every <sysinfo type='smbios'>; a type='fwcfg' one stays unread (reported)."""
    out: List[Sysinfo] = []
    for el in r.peek_all(root, "sysinfo"):
        try:
            kind = r.enum(el, "type", SysinfoType)
        except NotLowered:
            continue
        r.use(el)
        blocks = tuple(lower(cls, r, sub) for sub in el
                       for cls in SYSINFO_BLOCKS if sub.tag == cls.TAG)
        out.append(Sysinfo(kind, blocks, r.span(el)))
    return tuple(out)


# ------------------------------------------------------------------ <sysinfo> and <uuid>

def sysinfo_uuid(domain: ir.Domain) -> Optional[SysinfoEntry]:
    """The first <system><entry name='uuid'> of the domain's <sysinfo type='smbios'>."""
    return next((e for info in domain.sysinfo for block in info.blocks
                 if type(block) is SysinfoSystem for e in block.entries
                 if e.name == "uuid" and e.value), None)


def _normal_uuid(text: str) -> Optional[str]:
    digits = text.strip().replace("-", "").lower()
    if len(digits) != 32 or any(c not in "0123456789abcdef" for c in digits):
        return None
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def uuid_from_sysinfo(domain: ir.Domain) -> ir.Domain:
    """Post-parse, as libvirt's sysinfo parser does: a domain without <uuid> takes the one
    its <sysinfo><system> gives (so -uuid and the SMBIOS table agree)."""
    entry = sysinfo_uuid(domain) if domain.uuid is None else None
    value = _normal_uuid(entry.value) if entry is not None else None
    if value is None:
        return domain
    from .node import replace

    return replace(domain, uuid=value)


def check(domain: ir.Domain, diags: Diagnostics) -> None:
    """SEM280: libvirt refuses a <sysinfo> uuid that isn't one, or that differs from <uuid>."""
    entry = sysinfo_uuid(domain)
    if entry is None:
        return
    value = _normal_uuid(entry.value)
    if value is None:
        diags.add(SEM280, f"<sysinfo> uuid '{entry.value}' is not a UUID", entry.span,
                  hint="write 32 hex digits, with or without dashes")
    elif domain.uuid is not None and value != domain.uuid:
        diags.add(SEM280, f"<sysinfo> uuid {value} differs from the domain's <uuid> "
                  f"{domain.uuid}", entry.span,
                  hint="the guest reads its UUID from SMBIOS: give both the same value, or "
                       "leave out <uuid> (it is taken from <sysinfo>)")


# ------------------------------------------------------------------ writing

def write_os(w, os: ir.Os) -> None:
    """<os> into the domain writer `w` (backends/domainxml.py), libvirt's element order."""
    w.open(1, "os", [("firmware", os.firmware.value if os.firmware else None)])
    w.text(2, "type", os.type.value, [("arch", os.arch), ("machine", os.machine)])
    for node in (os.firmware_features, os.loader, os.nvram):
        _element(w, node)
    w.text(2, "kernel", os.kernel)
    w.text(2, "initrd", os.initrd)
    w.text(2, "root", os.root)
    w.text(2, "cmdline", os.cmdline)
    w.text(2, "dtb", os.dtb)
    if os.acpi_tables:
        w.open(2, "acpi")
        for table in os.acpi_tables:
            _element(w, table, depth=3)
        w.close(2, "acpi")
    for boot in os.boot:
        w.empty(2, "boot", [("dev", boot.dev.value)])
    for node in (os.bootmenu, os.smbios, os.bios):
        _element(w, node)
    w.close(1, "os")


def write_sysinfo(w, sysinfo: Tuple[Sysinfo, ...]) -> None:
    for info in sysinfo:
        w.open(1, "sysinfo", [("type", info.type.value)])
        for block in info.blocks:
            _element(w, block, depth=2)
        w.close(1, "sysinfo")


def _element(w, node, depth: int = 2) -> None:
    if node is None:
        return
    from lxml import etree

    try:
        el = write(node)
    except ValueError as exc:           # lxml refuses characters XML 1.0 can't hold
        w.bad.append(f"{exc} in <{node.TAG}>")
        return
    if len(el):
        etree.indent(el, space="  ", level=depth)
    w.lines.append("  " * depth + etree.tostring(el, encoding="unicode").rstrip())
