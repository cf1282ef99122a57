"""Boot proof on real QEMU: the guest actually runs (TCG, or KVM where usable), and the
medium it started from writes its own marker to the serial file the domain names.

Every domain carries all three media (disk, CD, floppy), each with a different marker, so
only the <boot> order decides which one runs. Domains go through virtc from XML to argv.
"""
from __future__ import annotations

import pathlib
from typing import Optional, Sequence

import pytest

import bootmedia
import qemu_harness as harness
from qemu_domains import compile_xml

HD, CD, FD = b"VIRTC-BOOT-HD-7f3a", b"VIRTC-BOOT-CD-91c2", b"VIRTC-BOOT-FD-5e06"
MARKERS = (HD, CD, FD)
pytestmark = [pytest.mark.qemu, harness.needs_qemu]


def domain_xml(boots: Sequence[str], serial: pathlib.Path, *, hd: Optional[str],
               cd: Optional[str], fd: Optional[str], os_extra: str = "") -> str:
    def disk(device, path, target):
        source = f"<source file='{path}'/>" if path else ""
        return f"<disk type='file' device='{device}'>{source}<target dev='{target}'/></disk>"

    boot = "".join(f"<boot dev='{b}'/>" for b in boots)
    return f"""<domain type='qemu'>
  <name>boot-test</name>
  <memory>65536</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type>{boot}{os_extra}</os>
  <devices>
    {disk('disk', hd, 'hda') if hd else ''}
    {disk('cdrom', cd, 'hdc')}
    {disk('floppy', fd, 'fda')}
    <serial type='file'><source path='{serial}'/></serial>
  </devices>
</domain>"""


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    base = tmp_path_factory.mktemp("media")
    return {
        "hd": str(bootmedia.hard_disk(base / "hd.img", HD)),
        "blank": str(bootmedia.blank_disk(base / "blank.img")),
        "cd": str(bootmedia.iso(base / "cd.iso", CD)),
        "fd": str(bootmedia.floppy(base / "fd.img", FD)),
    }


def boot(tmp_path, expected: bytes, boots, **disks) -> bytes:
    serial = tmp_path / "serial.log"
    argv = compile_xml(domain_xml(boots, serial, **disks))
    result = harness.run_until_marker(argv, str(serial), expected, timeout=30)
    assert result.started, result.stderr
    assert result.status["running"], result.status
    return result.serial


# (boot order, media, the marker that must appear). Each case has a medium the order
# passes over, so a backend that dropped or reordered -boot would show another marker.
CASES = {
    "hd": (["hd"], dict(hd="hd", cd="cd", fd="fd"), HD),
    "cdrom": (["cdrom"], dict(hd="hd", cd="cd", fd="fd"), CD),
    "fd": (["fd"], dict(hd="hd", cd="cd", fd="fd"), FD),
    # The first device in the order has no bootable medium: the BIOS moves on.
    "empty-cdrom-then-hd": (["cdrom", "hd", "fd"], dict(hd="hd", cd=None, fd="fd"), HD),
    "blank-hd-then-cdrom": (["hd", "cdrom", "fd"], dict(hd="blank", cd="cd", fd="fd"), CD),
    "fd-then-hd": (["fd", "hd"], dict(hd="hd", cd="cd", fd="fd"), FD),
}


@pytest.mark.parametrize("name", list(CASES))
def test_boot_order_starts_the_intended_medium(name, media, tmp_path):
    boots, picks, expected = CASES[name]
    disks = {k: (media[v] if v else None) for k, v in picks.items()}
    out = boot(tmp_path, expected, boots, **disks)
    assert expected in out, out
    assert [m for m in MARKERS if m in out] == [expected], out


def test_direct_kernel_boot_passes_kernel_initrd_and_cmdline_unchanged(tmp_path):
    """A tiny kernel prints the command line and the initrd size QEMU's loader gave it."""
    kernel = bootmedia.kernel_image(tmp_path / "vm,linuz")
    initrd = tmp_path / "initrd,1.img"
    initrd.write_bytes(bytes(range(256)) * 37)            # 9472 bytes, not a round number
    cmdline = "console=ttyS0 a,b=c quiet"
    serial = tmp_path / "serial.log"
    extra = (f"<kernel>{kernel}</kernel><initrd>{initrd}</initrd>"
             f"<cmdline>{cmdline}</cmdline><root>/dev/hda1</root>")
    argv = compile_xml(domain_xml(["hd"], serial, hd=None, cd=None, fd=None, os_extra=extra))
    result = harness.run_until_marker(argv, str(serial), bootmedia.KERNEL_END, timeout=30)
    assert result.started, result.stderr
    got_cmdline, initrd_size = bootmedia.parse_kernel_output(result.serial)
    assert got_cmdline == f"root=/dev/hda1 {cmdline}"
    assert initrd_size == initrd.stat().st_size


def test_boot_sector_is_one_signed_sector():
    sector = bootmedia.boot_sector(b"X")
    assert len(sector) == 512 and sector.endswith(b"\x55\xaa")
    assert sector[bootmedia.MESSAGE_AT:bootmedia.MESSAGE_AT + 2] == b"X\0"
