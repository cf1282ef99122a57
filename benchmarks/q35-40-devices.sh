#!/usr/bin/env bash
# How benchmarks/q35-40-devices.xml (bench.py figure 8) was made: a q35 guest with 40
# devices, written by virt-install and normalised by libvirt exactly as the corpus was
# (tests/corpus/README.md): virt-install --print-xml, virsh define, virsh dumpxml --inactive,
# virsh undefine. Its devices are the kinds virtc compiles for QEMU (virtio disks, NICs,
# serial and virtio consoles, a guest-agent channel, virtio-scsi, rng, i6300esb watchdog,
# balloon); libvirt adds the controllers (PCIe root ports, SATA, USB, virtio-serial, a
# pcie-to-pci-bridge), the PS/2 mouse and keyboard and an <audio type='none'>.
#
# Made on 2026-11-30 with virt-install 4.1.0, libvirt 9.0.0 and QEMU 7.2 on Debian 12, with
# libvirtd running as root (see tests/corpus/README.md, "Regenerating"). The fixed name,
# UUID and MACs make a rerun give the same document on the same host.
set -euo pipefail
cd "$(dirname "$0")"
NAME=virtc-bench-q35-40
for i in 1 2 3 4 5; do
    [ -f /var/tmp/corpus/bench40-disk$i.qcow2 ] ||
        qemu-img create -q -f qcow2 /var/tmp/corpus/bench40-disk$i.qcow2 64M
done
args=(--connect qemu:///system --print-xml --name "$NAME"
      --uuid 00000000-0000-4000-8000-0000000000b4 --osinfo debian11 --memory 2048 --vcpus 2
      --import)
for i in 1 2 3 4 5; do args+=(--disk /var/tmp/corpus/bench40-disk$i.qcow2,bus=virtio); done
for i in 1 2; do args+=(--network bridge=br0,model=virtio,mac=52:54:00:00:b4:0$i); done
for i in 3 4; do args+=(--network user,model=e1000e,mac=52:54:00:00:b4:0$i); done
args+=(--controller type=scsi,model=virtio-scsi --serial pty
       --console pty,target_type=virtio
       --channel unix,target.type=virtio,name=org.qemu.guest_agent.0
       --rng /dev/urandom --watchdog i6300esb,action=reset --graphics none)
printed=$(mktemp --suffix=.xml)
trap 'rm -f "$printed"' EXIT
virt-install "${args[@]}" > "$printed"
virsh -c qemu:///system define "$printed"
virsh -c qemu:///system dumpxml --inactive "$NAME" > q35-40-devices.xml
virsh -c qemu:///system undefine "$NAME"
