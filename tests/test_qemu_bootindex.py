"""<os><boot dev> becomes per-device bootindex, as libvirt 9 does (post-parse rule 7).

libvirt's corpus argv for q35-cdrom-bootorder (`<boot dev='cdrom'/><boot dev='hd'/>`) puts
bootindex 1 on the CD-ROM and 2 on the disk, and none on the NIC. virtc derives the same
index for a document written for today's libvirt, and real QEMU reads it back from each
device's QOM `bootindex` property. A 2007-format document keeps the seed-era `-boot order=`.
"""
from __future__ import annotations

import subprocess

import virtc
from qemu_harness import Guest, needs_qemu, run_guests
from qemuopts import options

DOMAIN = """<domain type='qemu'>
  <name>boots</name>
  <uuid>00000000-0000-4000-8000-0000000000b0</uuid>
  <memory unit='MiB'>128</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type>{boots}</os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/><source file='{d1}'/><target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/><source file='{d2}'/><target dev='vdb' bus='virtio'/>
    </disk>
    <interface type='user'><mac address='52:54:00:00:b0:01'/><model type='virtio'/></interface>
    <interface type='user'><mac address='52:54:00:00:b0:02'/><model type='virtio'/></interface>
    <controller type='usb' model='none'/>
  </devices>
</domain>"""


def _doc(tmp_path, boots: str) -> bytes:
    paths = []
    for name in ("d1", "d2"):
        path = tmp_path / f"{name}.qcow2"
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(path), "16M"], check=True)
        paths.append(str(path))
    return DOMAIN.format(boots=boots, d1=paths[0], d2=paths[1]).encode()


def _bootindex(argv, key):
    """The bootindex of the -device with `key` (id=… or mac=…), in either spelling."""
    name, value = key.split("=", 1)
    for props in options(argv, "-device"):
        if props.get(name) == value:
            index = props.get("bootindex")
            return None if index is None else str(index)
    raise AssertionError(f"no -device with {key} in {argv}")


@needs_qemu
def test_boot_devs_become_the_first_matching_devices_bootindex(tmp_path):
    result = virtc.compile(_doc(tmp_path, "<boot dev='network'/><boot dev='hd'/>"),
                           qemu_version="7.2")
    assert result.ok, [str(d) for d in result.diagnostics]
    argv = result.argv
    # network is first in <os>, so the first NIC boots first; the first disk second;
    # neither second device gets an index (libvirt marks only the first of each kind).
    keys = ("mac=52:54:00:00:b0:01", "id=virtio-disk0", "mac=52:54:00:00:b0:02",
            "id=virtio-disk1")
    assert [_bootindex(argv, k) for k in keys] == ["1", "2", None, None]
    paths = [(f"/machine/peripheral/{dev}", "bootindex")
             for dev in ("virtio-disk0", "virtio-disk1")]
    [guest] = run_guests([Guest(argv, qom=paths)])
    assert guest.started, guest.stderr
    # QEMU's "no bootindex" is -1
    assert [guest.qom[f"{p} bootindex"] for p, _ in paths] == [2, -1]


def test_a_kind_without_a_device_boots_nothing(tmp_path):
    result = virtc.compile(_doc(tmp_path, "<boot dev='cdrom'/><boot dev='hd'/>"),
                           qemu_version="7.2")
    assert result.ok
    # no CD-ROM: index 1 is simply unused, and the disk keeps index 2, as libvirt does
    assert _bootindex(result.argv, "id=virtio-disk0") == "2"
    assert _bootindex(result.argv, "mac=52:54:00:00:b0:01") is None


def test_a_2007_document_keeps_its_boot_order_option():
    seed = b"""<domain type='qemu'><name>s</name><memory>131072</memory>
      <os><type>hvm</type><boot dev='hd'/></os>
      <devices><disk type='file' device='disk'><source file='/var/lib/x.img'/>
      <target dev='hda'/></disk></devices></domain>"""
    result = virtc.compile(seed, qemu_version="7.2")
    assert "bootindex" not in " ".join(result.argv)
    assert result.argv[result.argv.index("-boot") + 1] == "order=c"
