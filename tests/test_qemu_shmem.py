"""The <shmem> family for QEMU: ivshmem-plain and ivshmem-doorbell as libvirt 9.0 writes
them, in both option syntaxes and in the real QEMU; what libvirt refuses, with its code.

The expected argv is libvirt's own: tests/qemuxml2argvdata/shmem-plain-doorbell.xml and its
.x86_64-latest.args (libvirt's test data), and libvirt's rules (qemuBuildShmemCommandLine,
qemuDomainShmemDefPostParse) as libvirt 9.0 applies them.
"""
import json
import os

import pytest

import qemu_harness as harness
import virtc
from ivshmem_server import IvshmemServer
from qemuopts import parse_opts

# libvirt's shmem-plain-doorbell.xml (roles as in the version its .args were made from),
# with the pci-root libvirt's dumpxml gives a pc guest, so virtc assigns the slots.
LIBVIRT_XML = """<domain type='qemu'>
  <name>QEMUGuest1</name>
  <memory unit='KiB'>219136</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <controller type='usb' index='0'/>
    <controller type='pci' index='0' model='pci-root'/>
    <memballoon model='none'/>
    <shmem name='shmem0'><model type='ivshmem-plain'/></shmem>
    <shmem name='shmem1' role='peer'><model type='ivshmem-plain'/><size unit='M'>128</size></shmem>
    <shmem name='shmem2' role='master'>
      <model type='ivshmem-plain'/><size unit='M'>256</size>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>
    </shmem>
    <shmem name='shmem3'><model type='ivshmem-doorbell'/><server/></shmem>
    <shmem name='shmem4'><model type='ivshmem-doorbell'/><server path='{tmp}/shmem4-sock'/></shmem>
    <shmem name='shmem5'><model type='ivshmem-doorbell'/><server path='{tmp}/shmem5-sock'/>
      <msi ioeventfd='off'/></shmem>
    <shmem name='shmem6'><model type='ivshmem-doorbell'/><server path='{tmp}/shmem6-sock'/>
      <msi vectors='16'/></shmem>
    <shmem name='shmem7'><model type='ivshmem-doorbell'/><server path='{tmp}/shmem7-sock'/>
      <msi vectors='32' ioeventfd='on'/></shmem>
  </devices>
</domain>"""

# libvirt's .args for it, option by option (-object, -device, -chardev), paths as above.
LIBVIRT_ARGS = [
    ("-object", {"qom-type": "memory-backend-file", "id": "shmmem-shmem0",
                 "mem-path": "/dev/shm/shmem0", "size": 4194304, "share": True}),
    ("-device", {"driver": "ivshmem-plain", "id": "shmem0", "memdev": "shmmem-shmem0",
                 "bus": "pci.0", "addr": "0x2"}),
    ("-object", {"qom-type": "memory-backend-file", "id": "shmmem-shmem1",
                 "mem-path": "/dev/shm/shmem1", "size": 134217728, "share": True}),
    ("-device", {"driver": "ivshmem-plain", "id": "shmem1", "memdev": "shmmem-shmem1",
                 "master": "off", "bus": "pci.0", "addr": "0x3"}),
    ("-object", {"qom-type": "memory-backend-file", "id": "shmmem-shmem2",
                 "mem-path": "/dev/shm/shmem2", "size": 268435456, "share": True}),
    ("-device", {"driver": "ivshmem-plain", "id": "shmem2", "memdev": "shmmem-shmem2",
                 "master": "on", "bus": "pci.0", "addr": "0x4"}),
    ("-device", {"driver": "ivshmem-doorbell", "id": "shmem3", "chardev": "charshmem3",
                 "ioeventfd": True, "bus": "pci.0", "addr": "0x5"}),
    ("-chardev", {"backend": "socket", "id": "charshmem3",
                  "path": "/var/lib/libvirt/shmem-shmem3-sock"}),
    ("-device", {"driver": "ivshmem-doorbell", "id": "shmem4", "chardev": "charshmem4",
                 "ioeventfd": True, "bus": "pci.0", "addr": "0x6"}),
    ("-chardev", {"backend": "socket", "id": "charshmem4", "path": "{tmp}/shmem4-sock"}),
    ("-device", {"driver": "ivshmem-doorbell", "id": "shmem5", "chardev": "charshmem5",
                 "ioeventfd": False, "bus": "pci.0", "addr": "0x7"}),
    ("-chardev", {"backend": "socket", "id": "charshmem5", "path": "{tmp}/shmem5-sock"}),
    ("-device", {"driver": "ivshmem-doorbell", "id": "shmem6", "chardev": "charshmem6",
                 "vectors": 16, "ioeventfd": True, "bus": "pci.0", "addr": "0x8"}),
    ("-chardev", {"backend": "socket", "id": "charshmem6", "path": "{tmp}/shmem6-sock"}),
    ("-device", {"driver": "ivshmem-doorbell", "id": "shmem7", "chardev": "charshmem7",
                 "vectors": 32, "ioeventfd": True, "bus": "pci.0", "addr": "0x9"}),
    ("-chardev", {"backend": "socket", "id": "charshmem7", "path": "{tmp}/shmem7-sock"}),
]
HEADS = {"-object": "qom-type", "-device": "driver", "-chardev": "backend"}
ON_OFF = {"on": True, "off": False}


def _xml(tmp: str = "/tmp") -> bytes:
    return LIBVIRT_XML.replace("{tmp}", tmp).encode()


def _expected(tmp: str = "/tmp"):
    return [(flag, {k: v.replace("{tmp}", tmp) if isinstance(v, str) else v
                    for k, v in props.items()}) for flag, props in LIBVIRT_ARGS]


def _as_dict(flag: str, word: str) -> dict:
    """One option's value, JSON or key=value, with key=value's words typed as JSON's."""
    if word.startswith("{"):
        return json.loads(word)
    out = {}
    for key, value in parse_opts(word, HEADS[flag]):
        value = ON_OFF.get(value, value) if key not in ("master",) else value
        out[key] = int(value) if key in ("size", "vectors") else value
    return out


def _shmem_options(argv):
    pairs = list(zip(argv, argv[1:]))
    return [(f, _as_dict(f, w)) for f, w in pairs
            if f in HEADS and ("shm" in w or "ivshmem" in w)]


@pytest.mark.parametrize("version", ["7.2", "5.0"])
def test_libvirts_shmem_test_gives_libvirts_argv(version):
    """7.2: JSON -object and -device, as libvirt writes them for that QEMU; 5.0: the same
    properties in key=value."""
    result = virtc.compile(_xml(), qemu_version=version)
    assert result.ok, [str(d) for d in result.diagnostics]
    assert _shmem_options(result.argv) == _expected()
    json_words = [w for w in result.argv if "ivshmem" in w]
    assert all(w.startswith("{") == (version == "7.2") for w in json_words)


def test_a_comma_in_a_server_path_is_escaped():
    result = virtc.compile(_xml("/tmp/a,b"), qemu_version="5.0")
    assert result.ok
    assert "socket,id=charshmem4,path=/tmp/a,,b/shmem4-sock" in result.argv


def _domain(devices: str, machine: str = "pc") -> bytes:
    return (f"<domain type='qemu'><name>t</name><memory unit='MiB'>128</memory>"
            f"<os><type arch='x86_64' machine='{machine}'>hvm</type></os>"
            f"<devices>{devices}</devices></domain>").encode()


@pytest.mark.parametrize("devices, code, line_of", [
    # libvirt: "shmem size must be a power of two" / "must be at least 1 MiB (1024 KiB)"
    ("<shmem name='s'><model type='ivshmem-plain'/><size unit='K'>1536</size></shmem>",
     "SEM321", "<size"),
    ("<shmem name='s'><model type='ivshmem-plain'/><size unit='K'>512</size></shmem>",
     "SEM321", "<size"),
    # "shmem model 'ivshmem-doorbell' is supported only with server option enabled"
    ("<shmem name='s'><model type='ivshmem-doorbell'/></shmem>", "SEM322", "<shmem"),
    ("<shmem name='s'><model type='ivshmem-plain'/><server/></shmem>", "SEM322", "<server"),
    # "msi option is only supported with a server"; "… does not support size setting"
    ("<shmem name='s'><model type='ivshmem-plain'/><msi vectors='4'/></shmem>",
     "SEM323", "<msi"),
    ("<shmem name='s'><model type='ivshmem-doorbell'/><server/><size unit='M'>4</size></shmem>",
     "SEM323", "<size"),
])
def test_what_libvirt_refuses_is_an_error_on_its_element(devices, code, line_of):
    source = _domain(devices)
    found = [d for d in virtc.validate(source) if d.severity.value == "error"]
    assert [d.code for d in found] == [code]
    text = source.decode()
    assert found[0].span.column == text.index(line_of) + 1


@pytest.mark.parametrize("devices", [
    "<shmem name='s'/>",                                  # no <model>: libvirt's first model
    "<shmem name='s'><model type='ivshmem'/></shmem>",
])
def test_the_legacy_ivshmem_is_an_error_where_qemu_removed_it(devices):
    """libvirt 9.0: "ivshmem device is not supported with this QEMU binary"; QEMU's
    removed-features: ivshmem (removed in 4.0)."""
    assert virtc.validate(_domain(devices)) == []
    for version in ("4.2", "7.2", "10.0"):
        result = virtc.compile(_domain(devices), qemu_version=version)
        assert [d.code for d in result.errors] == ["QEMU450"], version


def test_the_legacy_ivshmem_compiles_for_the_qemus_that_had_it():
    """QEMU before 4.0: `-device ivshmem,size=<size>[,shm=<name>]` (its docs' syntax), the
    size in MiB as libvirt gave it."""
    result = virtc.compile(_domain("<shmem name='s'><size unit='M'>8</size></shmem>"),
                           qemu_version="3.1")
    assert result.ok, [str(d) for d in result.diagnostics]
    at = result.argv.index("-device")
    assert parse_opts(result.argv[at + 1], "driver") == [
        ("driver", "ivshmem"), ("id", "shmem0"), ("size", "8m"), ("shm", "s")]


def test_plain_and_doorbell_need_qemu_2_6():
    result = virtc.compile(_domain("<shmem name='s'><model type='ivshmem-plain'/></shmem>"),
                           qemu_version="1.1")
    assert [d.code for d in result.errors] == ["QEMU301"]


def test_an_address_other_than_pci_is_reported():
    """libvirt: "only 'pci' addresses are supported for the shared memory device"."""
    result = virtc.compile(_domain(
        "<shmem name='s'><model type='ivshmem-plain'/><address type='isa' iobase='0x500'/>"
        "</shmem>"), qemu_version="7.2")
    assert not result.ok and [d.code for d in result.errors] == ["QEMU454"]


def test_q35_puts_shmem_behind_a_pcie_to_pci_bridge_as_libvirt_does():
    """virsh domxml-to-native of this document (libvirt 9.0, QEMU 7.2): libvirt adds a root
    port with a pcie-pci-bridge behind it, and the conventional-PCI ivshmem goes there."""
    result = virtc.compile(_domain(
        "<controller type='pci' index='0' model='pcie-root'/>"
        "<shmem name='s0'><model type='ivshmem-plain'/></shmem>"
        "<shmem name='s1'><model type='ivshmem-plain'/></shmem>", "q35"), qemu_version="7.2")
    assert result.ok
    devices = [json.loads(w) for f, w in zip(result.argv, result.argv[1:]) if f == "-device"]
    bridge = next(d for d in devices if d["driver"] == "pcie-pci-bridge")
    assert (bridge["id"], bridge["bus"], bridge["addr"]) == ("pci.4", "pci.1", "0x0")
    shm = [(d["bus"], d["addr"]) for d in devices if d["driver"] == "ivshmem-plain"]
    assert shm == [("pci.4", "0x1"), ("pci.4", "0x2")]


@harness.needs_qemu
def test_real_qemu_builds_libvirts_shmem_devices(tmp_path):
    """Every device of libvirt's test at libvirt's slot, with its memory and interrupts
    as written: the plain devices' backends (size, share, /dev/shm path), master on/off,
    the doorbells' vectors and ioeventfd, each doorbell served by an ivshmem server."""
    xml = _xml(str(tmp_path)).replace(b"<server/>", f"<server path='{tmp_path}/s3'/>".encode())
    result = virtc.compile(xml, qemu_version="7.2")
    assert result.ok, [str(d) for d in result.diagnostics]
    servers = [IvshmemServer(f"{tmp_path}/s3", vectors=1)] + [
        IvshmemServer(f"{tmp_path}/shmem{n}-sock", vectors=v)
        for n, v in ((4, 1), (5, 1), (6, 16), (7, 32))]
    made = [f"/dev/shm/shmem{n}" for n in range(3) if not os.path.exists(f"/dev/shm/shmem{n}")]
    qom = [(f"/objects/shmmem-shmem{n}", p) for n in range(3)
           for p in ("size", "share", "mem-path")]
    qom += [(f"/machine/peripheral/shmem{n}", "master") for n in (1, 2)]
    qom += [(f"/machine/peripheral/shmem{n}", p) for n in range(3, 8)
            for p in ("vectors", "ioeventfd")]
    try:
        run = harness.run_guests([harness.Guest(result.argv, qom=qom,
                                                queries=("query-pci",))])[0]
    finally:
        for server in servers:
            server.stop()
        for path in made:
            if os.path.exists(path):
                os.unlink(path)
    assert run.started, run.stderr
    slots = {d["slot"]: (d["id"]["vendor"], d["id"]["device"], d["qdev_id"])
             for d in run.replies["query-pci"][0]["devices"]}
    assert {s: slots.get(s) for s in range(2, 10)} == {
        2 + n: (0x1af4, 0x1110, f"shmem{n}") for n in range(8)}
    sizes = {0: 4 << 20, 1: 128 << 20, 2: 256 << 20}
    for n, size in sizes.items():
        assert run.qom[f"/objects/shmmem-shmem{n} size"] == size
        assert run.qom[f"/objects/shmmem-shmem{n} share"] is True
        assert run.qom[f"/objects/shmmem-shmem{n} mem-path"] == f"/dev/shm/shmem{n}"
    assert run.qom["/machine/peripheral/shmem1 master"] == "off"
    assert run.qom["/machine/peripheral/shmem2 master"] == "on"
    vectors = {3: 1, 4: 1, 5: 1, 6: 16, 7: 32}
    for n, count in vectors.items():
        assert run.qom[f"/machine/peripheral/shmem{n} vectors"] == count
        assert run.qom[f"/machine/peripheral/shmem{n} ioeventfd"] is (n != 5)
