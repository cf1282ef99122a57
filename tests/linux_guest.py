"""A real Linux guest for tests: Debian's kernel and an initramfs built here with busybox.

The initramfs loads the virtio drivers (Debian builds them as modules) and prints what the
guest sees to its first serial port, between two marker lines, then powers off:

    VIRTC-REPORT-BEGIN
    PCI 0000:01:00.0 0x1af4 0x1041 0x020000      address, vendor, device, class
    BRIDGE 0000:00:02.0 01                       a bridge and the bus behind it
    BLOCK vda 131072                             512-byte sectors
    NET eth0 52:54:00:12:34:56
    LINK eth0 1                                  carrier once the NIC is up (0: link down)
    CPUS 2
    MEMKB 231644
    RNG virtio_rng.0
    PORT vport1p1 org.qemu.guest_agent.0
    VIRTC-REPORT-END

It needs the packages linux-image-amd64 (a kernel in /boot, its modules in /lib/modules)
and busybox-static; .ci/run installs both.
"""
from __future__ import annotations

import glob
import gzip
import io
import os
import pathlib
import shutil
from typing import Dict, List, Optional, Tuple

BEGIN, END = "VIRTC-REPORT-BEGIN", "VIRTC-REPORT-END"
# The virtio drivers the report needs; modules.dep adds what they depend on.
MODULES = ("virtio_pci", "virtio_blk", "virtio_net", "virtio-rng", "virtio_console")

INIT = f"""#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules.order); do insmod "/lib/modules/$m"; done
sleep 1
echo {BEGIN}
for d in /sys/bus/pci/devices/*; do
  echo "PCI ${{d##*/}} $(cat $d/vendor) $(cat $d/device) $(cat $d/class)"
  for b in $d/pci_bus/*; do [ -e "$b" ] && echo "BRIDGE ${{d##*/}} ${{b##*:}}"; done
done
for b in /sys/block/vd*; do [ -e "$b" ] && echo "BLOCK ${{b##*/}} $(cat $b/size)"; done
for n in /sys/class/net/*; do echo "NET ${{n##*/}} $(cat $n/address)"; done
for n in /sys/class/net/eth*; do [ -e "$n" ] && ip link set "${{n##*/}}" up; done
sleep 1
for n in /sys/class/net/eth*; do [ -e "$n" ] && echo "LINK ${{n##*/}} $(cat $n/carrier)"; done
echo "CPUS $(grep -c ^processor /proc/cpuinfo)"
echo "MEMKB $(sed -n 's/^MemTotal: *\\([0-9]*\\) kB/\\1/p' /proc/meminfo)"
echo "RNG $(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)"
for p in /sys/class/virtio-ports/*; do [ -e "$p/name" ] && echo "PORT ${{p##*/}} $(cat $p/name)"; done
echo {END}
poweroff -f
"""


def kernel() -> Optional[Tuple[str, str]]:
    """(vmlinuz path, modules directory) of an installed Debian kernel, or None."""
    for image in sorted(glob.glob("/boot/vmlinuz-*"), reverse=True):
        release = os.path.basename(image)[len("vmlinuz-"):]
        modules = f"/lib/modules/{release}"
        if os.path.exists(os.path.join(modules, "modules.dep")):
            return image, modules
    return None


def busybox() -> Optional[str]:
    path = shutil.which("busybox")
    if path is None:
        return None
    with open(path, "rb") as fh:        # a dynamic busybox would need its libraries too
        head = fh.read(1 << 20)
    return None if b"ld-linux" in head else path


def missing() -> Optional[str]:
    if kernel() is None:
        return "no Debian kernel with modules (apt-get install linux-image-amd64)"
    if busybox() is None:
        return "no static busybox (apt-get install busybox-static)"
    return None


def _module_order(modules_dir: str) -> List[str]:
    """MODULES and their dependencies, each after what it needs (paths below modules_dir)."""
    deps: Dict[str, List[str]] = {}
    with open(os.path.join(modules_dir, "modules.dep")) as fh:
        for line in fh:
            path, _, needs = line.partition(":")
            deps[path] = needs.split()
    by_name = {os.path.basename(p).split(".ko")[0]: p for p in deps}
    order: List[str] = []

    def visit(path: str) -> None:
        if path in order:
            return
        for dep in reversed(deps.get(path, [])):
            visit(dep)
        order.append(path)

    for name in MODULES:
        visit(by_name[name])
    return order


class _Cpio:
    """A newc (SVR4, no CRC) archive, as the kernel reads an initramfs."""

    def __init__(self) -> None:
        self.out = io.BytesIO()
        self.ino = 0

    def add(self, name: str, data: bytes = b"", mode: int = 0o100644) -> None:
        self.ino += 1
        fields = (self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0)
        header = "070701" + "".join(f"{v:08x}" for v in fields)
        self.out.write(header.encode() + name.encode() + b"\0")
        self.out.write(b"\0" * (-(110 + len(name) + 1) % 4))
        self.out.write(data)
        self.out.write(b"\0" * (-len(data) % 4))

    def finish(self) -> bytes:
        self.add("TRAILER!!!", mode=0)
        return self.out.getvalue()


def build_initramfs(target: pathlib.Path) -> pathlib.Path:
    """Write the initramfs (gzip'd newc cpio) to `target` and return it."""
    found = kernel()
    assert found is not None and busybox() is not None, missing()
    _, modules_dir = found
    archive = _Cpio()
    for folder in ("bin", "dev", "proc", "sys", "lib", "lib/modules"):
        archive.add(folder, mode=0o040755)
    archive.add("bin/busybox", pathlib.Path(busybox()).read_bytes(), mode=0o100755)
    archive.add("init", INIT.encode(), mode=0o100755)
    order = _module_order(modules_dir)
    for path in order:
        archive.add(f"lib/modules/{os.path.basename(path)}",
                    pathlib.Path(modules_dir, path).read_bytes())
    archive.add("modules.order", "".join(os.path.basename(p) + "\n" for p in order).encode())
    target.write_bytes(gzip.compress(archive.finish(), compresslevel=1))
    return target


def report(serial_log: str) -> Dict[str, List[List[str]]]:
    """The report lines the guest printed, by their first word."""
    text = serial_log.replace("\r", "")
    assert BEGIN in text and END in text, text[-3000:]
    body = text.split(BEGIN, 1)[1].split(END, 1)[0]
    found: Dict[str, List[List[str]]] = {}
    for line in body.strip().splitlines():
        key, *rest = line.split()
        found.setdefault(key, []).append(rest)
    return found
