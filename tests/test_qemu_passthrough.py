"""PCI passthrough (vfio-pci), vhost-vsock and the intel IOMMU for QEMU, as libvirt writes
them: checked against libvirt's own argv (the corpus, and libvirt's tests/qemuxml2argvdata
for vfio, which needs a host device no test machine has), and in the real QEMU where the
host allows (the intel IOMMU; vhost-vsock needs /dev/vhost-vsock)."""
import json
import shlex

import pytest

import qemu_harness as harness
import virtc
from conftest import ROOT
from qemuopts import parse_opts

CORPUS = ROOT / "tests" / "corpus"


def domain_with(devices: str, machine: str = "q35", dtype: str = "kvm") -> bytes:
    return (f"<domain type='{dtype}'><name>t</name><memory unit='MiB'>128</memory>"
            f"<os><type arch='x86_64' machine='{machine}'>hvm</type></os>"
            f"<devices>{devices}</devices></domain>").encode()


def devices_of(argv, drivers):
    """Each -device of one of `drivers` as {key: value}, JSON or key=value alike (JSON
    booleans as QEMU's on/off)."""
    out = []
    for flag, value in zip(argv, argv[1:]):
        if flag != "-device":
            continue
        if value.startswith("{"):
            props = {k: ("on" if v is True else "off" if v is False else str(v))
                     for k, v in json.loads(value).items()}
        else:
            props = dict(parse_opts(value, "driver"))
        if props["driver"] in drivers:
            out.append(props)
    return out


def compile_ok(devices: str, **kw):
    result = virtc.compile(domain_with(devices, **kw), qemu_version="7.2")
    assert result.argv is not None, [str(d) for d in result.diagnostics]
    return result


# ------------------------------------------------------------------ vfio-pci

# libvirt tests/qemuxml2argvdata/pci-rom.xml's two hostdevs, with the guest addresses
# libvirt gave them (pci-rom.args), and hostdev-vfio.xml's with its boot order.
PCI_ROM = """
<hostdev mode='subsystem' type='pci' managed='no'>
  <source><address domain='0x0000' bus='0x06' slot='0x12' function='0x5'/></source>
  <rom bar='off'/>
  <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>
</hostdev>
<hostdev mode='subsystem' type='pci' managed='no'>
  <source><address domain='0x0000' bus='0x06' slot='0x12' function='0x6'/></source>
  <rom bar='on' file='/etc/fake/bootrom.bin'/>
  <address type='pci' domain='0x0000' bus='0x00' slot='0x06' function='0x0'/>
</hostdev>"""


def test_vfio_pci_is_libvirts_pci_rom_args():
    # libvirt's tests/qemuxml2argvdata/pci-rom.args:
    #   -device vfio-pci,host=0000:06:12.5,id=hostdev0,bus=pci.0,addr=0x5,rombar=0
    #   -device vfio-pci,host=0000:06:12.6,id=hostdev1,bus=pci.0,addr=0x6,rombar=1,romfile=/etc/fake/bootrom.bin
    argv = compile_ok(PCI_ROM, machine="pc").argv
    assert "vfio-pci,host=0000:06:12.5,id=hostdev0,bus=pci.0,addr=0x5,rombar=0" in argv
    assert ("vfio-pci,host=0000:06:12.6,id=hostdev1,bus=pci.0,addr=0x6,rombar=1,"
            "romfile=/etc/fake/bootrom.bin") in argv


def test_boot_order_and_a_disabled_rom():
    argv = compile_ok("<hostdev mode='subsystem' type='pci'><source><address domain='0x0000' "
                      "bus='0x0a' slot='0x1f' function='0x7'/></source><rom enabled='no'/>"
                      "<boot order='2'/></hostdev>").argv
    assert devices_of(argv, {"vfio-pci"}) == [{"driver": "vfio-pci", "host": "0000:0a:1f.7",
                                               "id": "hostdev0", "bootindex": "2",
                                               "romfile": ""}]


def test_managed_yes_says_who_binds_the_device():
    result = compile_ok("<hostdev mode='subsystem' type='pci' managed='yes'><source><address "
                        "domain='0' bus='6' slot='0x12' function='5'/></source></hostdev>")
    assert [d.code for d in result.diagnostics] == ["QEMU386"]
    assert "0000:06:12.5" in result.diagnostics[0].message


def test_usb_passthrough_and_xen_driver_are_not_compiled():
    for devices in ("<hostdev mode='subsystem' type='usb'><source><address bus='1' device='3'/>"
                    "</source></hostdev>",
                    "<hostdev mode='subsystem' type='pci'><driver name='xen'/><source><address "
                    "domain='0' bus='6' slot='0' function='0'/></source></hostdev>"):
        result = virtc.compile(domain_with(devices), qemu_version="7.2")
        assert not result.ok and [d.code for d in result.errors] == ["QEMU320"]


def test_xen_reports_the_rom_it_cannot_carry():
    doc = ("<domain type='xen'><name>t</name><memory unit='MiB'>128</memory><os><type>hvm"
           "</type><loader>/usr/lib/xen/boot/hvmloader</loader></os><devices><hostdev "
           "mode='subsystem' type='pci'><source><address domain='0' bus='6' slot='0' "
           "function='0'/></source><rom bar='off'/></hostdev></devices></domain>").encode()
    result = virtc.compile(doc, target="xen-xl")
    assert "XEN440" in [d.code for d in result.diagnostics]


# ------------------------------------------------------------------ vsock and iommu

def libvirt_devices(name, drivers):
    return devices_of(shlex.split((CORPUS / "native" / f"{name}.argv").read_text()), drivers)


def test_vsock_and_iommu_are_libvirts():
    from virtc.backends.qemu.context import QemuContext
    from virtc.backends.qemu.devices import iommu, vsock
    from virtc.backends.qemu.dialects import get_dialect
    from virtc.backends.qemu.opts import render
    from virtc.compiler.diagnostics import Diagnostics
    from virtc.compiler.networks import network_table
    from virtc.pipeline import load_bytes

    loaded = load_bytes((CORPUS / "dumpxml" / "iommu-vsock-panic.xml").read_bytes(), "c.xml")
    diags = Diagnostics()
    ctx = QemuContext(diags, get_dialect("7.2"), network_table())
    options = [o for n in loaded.node.devices.families if n.TAG in ("vsock", "iommu")
               for o in {"vsock": vsock, "iommu": iommu}[n.TAG].build(n, loaded.node, ctx)]
    ours = devices_of(render(options, ctx.dialect, diags), {"vhost-vsock-pci", "intel-iommu"})
    theirs = libvirt_devices("iommu-vsock-panic", {"vhost-vsock-pci", "intel-iommu"})
    # libvirt opens /dev/vhost-vsock itself and passes vhostfd; QEMU opens it otherwise.
    theirs = [{k: v for k, v in d.items() if k != "vhostfd"} for d in theirs]
    assert sorted(ours, key=str) == sorted(theirs, key=str)
    assert list(diags) == []


def test_vsock_needs_a_cid():
    result = virtc.compile(domain_with("<vsock model='virtio'><cid auto='yes'/></vsock>"),
                           qemu_version="7.2")
    assert not result.ok and [d.code for d in result.errors] == ["QEMU384"]
    assert [d.code for d in virtc.validate(domain_with(
        "<vsock model='virtio'><cid auto='no' address='2'/></vsock>"))] == ["SEM297"]


@pytest.mark.parametrize("devices, machine", [
    ("<iommu model='intel'/>", "pc"),
    ("<iommu model='intel'><driver eim='on'/></iommu>", "q35"),
])
def test_what_libvirt_refuses_for_the_intel_iommu(devices, machine):
    result = virtc.compile(domain_with(devices, machine=machine), qemu_version="7.2")
    assert not result.ok and [d.code for d in result.errors] == ["QEMU385"]


@harness.needs_qemu
def test_real_qemu_builds_the_intel_iommu():
    # eim=on needs KVM's split irqchip: QEMU refuses it under TCG, so it is left out here.
    result = compile_ok("<iommu model='intel'><driver intremap='on' caching_mode='on' "
                        "iotlb='on' aw_bits='48'/></iommu>", dtype="qemu")
    run = harness.run_guests([harness.Guest(result.argv, qom=[
        ("/machine/peripheral/iommu0", p) for p in
        ("intremap", "caching-mode", "device-iotlb", "aw-bits")])])[0]
    assert run.started, run.stderr
    assert run.qom == {"/machine/peripheral/iommu0 intremap": "on",
                       "/machine/peripheral/iommu0 caching-mode": True,
                       "/machine/peripheral/iommu0 device-iotlb": True,
                       "/machine/peripheral/iommu0 aw-bits": 48}
