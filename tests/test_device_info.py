"""DeviceInfo (<alias>, <address>, <boot order>, <acpi index>) on the device families: each
part a backend can't honour is reported on its own line, never dropped; a root-bus PCI
address on a NIC places its -device."""
from __future__ import annotations

from virtc.compiler.diagnostics import Diagnostics, Severity
from virtc.pipeline import compile_domain, load_bytes

DOC = """<domain type='kvm'>
  <name>info</name>
  <memory unit='MiB'>128</memory>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/img/a.img'/>
      <target dev='vda' bus='virtio'/>
      <alias name='ua-disk0'/>
      <boot order='1'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>
    </disk>
    <interface type='user'>
      <mac address='52:54:00:00:00:01'/>
      <model type='virtio'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
    </interface>
    <rng model='virtio'>
      <backend model='random'>/dev/urandom</backend>
      <acpi index='2'/>
    </rng>
  </devices>
</domain>
"""


def _compile(source: str, target: str):
    loaded = load_bytes(source.encode(), "info.xml")
    assert loaded.ok, [str(d) for d in loaded.diagnostics]
    diags = Diagnostics()
    return compile_domain(loaded.node, target, diags, qemu_version="7.2"), diags


def test_parts_qemu_cannot_honour_are_reported_on_their_lines():
    argv, diags = _compile(DOC, "qemu")
    assert argv is None
    found = sorted((d.code, d.span.line, d.severity) for d in diags)
    # the disk's <boot order> and PCI <address> are honoured (virtio-blk-pci, bootindex)
    assert found == [("QEMU320", 22, Severity.ERROR),     # the rng's <acpi index>
                     ("QEMU321", 11, Severity.WARNING)]   # the disk's <alias>


def test_a_virtio_disk_at_its_address_with_its_boot_order():
    argv, diags = _compile(DOC.replace("      <acpi index='2'/>\n", ""), "qemu")
    assert argv is not None, [str(d) for d in diags]
    assert "virtio-blk-pci,bus=pci.0,addr=0x4,drive=drive-virtio-disk0,id=virtio-disk0," \
           "bootindex=1" in argv


def test_a_root_bus_pci_address_places_the_nic():
    without = "\n".join(line for line in DOC.splitlines()
                        if not any(k in line for k in ("<alias", "<boot", "<acpi")))
    without = without.replace(
        "<address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>", "")
    argv, diags = _compile(without, "qemu")
    assert argv is not None, [str(d) for d in diags]
    nic = argv[argv.index("-device", argv.index("-netdev")) + 1]
    assert nic == "virtio-net-pci,netdev=net0,mac=52:54:00:00:00:01,bus=pci.0,addr=0x3"


def test_xen_reports_each_part_too():
    xen = DOC.replace("type='kvm'", "type='xen'").replace(
        "<type arch='x86_64' machine='pc'>hvm</type>",
        "<type arch='x86_64' machine='xenfv'>hvm</type>\n"
        "    <loader>/usr/lib/xen/boot/hvmloader</loader>")
    out, diags = _compile(xen, "xen-xm")
    assert out is None
    lines = {(d.code, d.span.line) for d in diags if d.code in ("XEN440", "XEN441")}
    # one line lower: the <loader> line; alias, boot, address of the disk, the NIC's address
    assert {("XEN441", 12), ("XEN440", 13), ("XEN440", 14), ("XEN440", 19)} <= lines
