#!/usr/bin/env bash
# Regenerate tests/corpus/: libvirt domain XML produced by real tools.
#
# For every case below this script runs
#   virt-install --connect qemu:///system --print-xml --name virtc-NN-CASE --uuid ... <args>
#       -> tests/corpus/print-xml/CASE.xml
#   virsh define print-xml/CASE.xml
#   virsh dumpxml --inactive virtc-NN-CASE        -> tests/corpus/dumpxml/CASE.xml
#   virsh domxml-to-native qemu-argv --domain ... -> tests/corpus/native/CASE.argv
#                                                    (failure text -> CASE.err)
#   virsh undefine --nvram --tpm virtc-NN-CASE
# and afterwards validates every XML with virt-xml-validate and rewrites
# README.md, commands.tsv, virt-xml-validate.txt, capabilities.xml and
# domcapabilities-q35.xml.
#
# Requirements: running libvirtd reachable at qemu:///system as root, with
# qemu-system-x86, virtinst, ovmf, swtpm installed.  Best results when
# libvirtd was started with a clean environment, because the argv files
# embed the daemon's PATH, e.g.
#   env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C libvirtd -d
#
# Fixtures (dummy disk images, ISO, kernel, initrd, shared dir) are created
# in /var/tmp/corpus; their paths appear in the XML, so keep that location.
#
# Determinism: every case has a fixed --name, a fixed --uuid
# (00000000-0000-4000-8000-0000000000NN) and fixed MACs (52:54:00:00:NN:0k).
# Remaining host dependence: the default <cpu> (host-passthrough under KVM),
# domain type kvm vs qemu (KVM availability), the emulator path, the OVMF
# firmware paths, machine type aliases expanded by libvirt (pc-q35-7.2 ...).
#
# Options that were tried and dropped / adjusted (virt-install 4.1.0,
# libvirt 9.0.0, QEMU 7.2):
#   * --hostdev: no host devices available in the build environment; skipped.
#   * --cpu maximum  is parsed by virt-install as a *named model* "maximum"
#     (mode=custom) with host-dependent security features added; we use
#     --cpu mode=maximum instead.  Named models get secure=off so that no
#     host-specific <feature> elements are added.
#   * --memory maxmemory=N sets <memory> (not <maxMemory>); use maxMemory=N
#     plus maxMemory.slots=N for memory hotplug.
#   * --launchSecurity (SEV) needs AMD SEV host support; skipped.
#   * --memdev target.size is in MiB (not KiB as in the XML); <memory> must
#     equal NUMA cells + DIMMs, hence --memory 3072 with a 2 GiB cell + 1 GiB DIMM.
#   * --cpu Skylake-Client,match=exact: domxml-to-native failed with "CPU is
#     incompatible with host CPU" (host lacks rtm, mpx); added check=none.
#   * Accepted by virt-install but rejected by libvirt 9.0 at define time;
#     kept as negative examples in rejected/ (cases 65-68):
#       --watchdog itco      (unknown watchdog model; not in 9.0 RNG schema)
#       --panic model=pvpanic (unknown panic model; not in 9.0 RNG schema)
#       --events on_poweroff=preserve / on_reboot=preserve (qemu driver)
#       --events on_poweroff=restart,on_reboot=destroy    (qemu driver)
#     Replacements in the main corpus: ib700 watchdog on q35, panic hyperv/isa.
#   * hugepages: domxml-to-native needs a hugetlbfs mounted before libvirtd starts
#     (mkdir -p /dev/hugepages && mount -t hugetlbfs hugetlbfs /dev/hugepages);
#     without it, native/hugepages.err holds libvirt's error instead.
#   * The "default" network cannot be started in the build container (no
#     iptables); it only needs to be *defined* for virsh define /
#     domxml-to-native, so the script defines an isolated one if missing.

set -u
export LC_ALL=C
URI=qemu:///system
export LIBVIRT_DEFAULT_URI=$URI
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=$ROOT/tests/corpus
D=/var/tmp/corpus
VIRSH="virsh --connect $URI -q"

mkdir -p "$OUT/print-xml" "$OUT/dumpxml" "$OUT/native" "$OUT/rejected"
rm -f "$OUT"/print-xml/* "$OUT"/dumpxml/* "$OUT"/native/* "$OUT"/rejected/*

# ---------------------------------------------------------------- fixtures
mkdir -p "$D/share" "$D/share2"
[ -f "$D/disk.qcow2" ] || qemu-img create -q -f qcow2 "$D/disk.qcow2" 1G
[ -f "$D/data.qcow2" ] || qemu-img create -q -f qcow2 "$D/data.qcow2" 1G
[ -f "$D/disk.raw" ]   || qemu-img create -q -f raw "$D/disk.raw" 1G
[ -f "$D/data.raw" ]   || qemu-img create -q -f raw "$D/data.raw" 256M
[ -f "$D/install.iso" ] || {
  if command -v xorriso >/dev/null; then
    echo corpus > "$D/README.TXT"
    xorriso -as mkisofs -quiet -o "$D/install.iso" "$D/README.TXT" 2>/dev/null
  else
    : > "$D/install.iso"
  fi
}
[ -f "$D/vmlinuz" ]    || echo "dummy kernel" > "$D/vmlinuz"
[ -f "$D/initrd.img" ] || echo "dummy initrd" > "$D/initrd.img"

# a network called "default" must exist (inactive is fine)
if ! $VIRSH net-info default >/dev/null 2>&1; then
  tmpnet=$(mktemp)
  printf "<network>\n  <name>default</name>\n  <bridge name='virbr0' stp='on' delay='0'/>\n</network>\n" > "$tmpnet"
  $VIRSH net-define "$tmpnet" >/dev/null
  rm -f "$tmpnet"
  $VIRSH net-start default >/dev/null 2>&1 || true
fi

# ---------------------------------------------------------------- runner
TSV=$OUT/commands.tsv
WARN=$OUT/virt-install-stderr.txt
FAIL=$OUT/failures.txt
RTSV=$OUT/rejected/commands.tsv
printf 'case\tcommand\n' > "$TSV"
printf 'case\tcommand\n' > "$RTSV"
: > "$WARN"
: > "$FAIL"
NCASES=0
NREJ=0

# shell-quote one word, leaving "safe" words (incl. commas) unquoted
q() {
  if [[ $1 =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then printf '%s' "$1"
  else printf "'%s'" "${1//\'/\'\\\'\'}"; fi
}

# C NN CASE-NAME virt-install-args...
C() {
  local nn=$1 case=$2; shift 2
  local name="virtc-$nn-$case"
  local uuid="00000000-0000-4000-8000-0000000000$nn"
  local cmd=(virt-install --connect "$URI" --print-xml --name "$name" --uuid "$uuid" "$@")
  local cmdstr
  cmdstr=$(for w in "${cmd[@]}"; do q "$w"; printf ' '; done); cmdstr=${cmdstr% }
  local px=$OUT/print-xml/$case.xml dx=$OUT/dumpxml/$case.xml
  local nat=$OUT/native/$case.argv nerr=$OUT/native/$case.err
  local err
  echo "[$nn] $case" >&2
  # make sure nothing stale is defined under that name
  $VIRSH undefine --nvram --tpm "$name" >/dev/null 2>&1 || \
    $VIRSH undefine --nvram "$name" >/dev/null 2>&1 || true
  err=$("${cmd[@]}" 2>&1 >"$px")
  local rc=$?
  if [ -n "$err" ]; then printf '== %s (rc=%s)\n%s\n' "$case" "$rc" "$err" >> "$WARN"; fi
  if [ $rc -ne 0 ]; then
    printf '%s\tvirt-install rc=%s: %s\n' "$case" "$rc" "$err" >> "$FAIL"
    rm -f "$px"
    return
  fi
  if ! err=$($VIRSH define "$px" 2>&1); then
    # virt-install accepted it but libvirt refuses it: keep as a negative
    # example under rejected/ (XML + error text), not in the main corpus.
    mv "$px" "$OUT/rejected/$case.xml"
    printf '%s\n' "${err//"$OUT"\//}" > "$OUT/rejected/$case.err"
    printf '%s\t%s\n' "$case" "$cmdstr" >> "$RTSV"
    NREJ=$((NREJ + 1))
    return
  fi
  printf '%s\t%s\n' "$case" "$cmdstr" >> "$TSV"
  NCASES=$((NCASES + 1))
  $VIRSH dumpxml --inactive "$name" > "$dx" 2>>"$FAIL" || printf '%s\tdumpxml failed\n' "$case" >> "$FAIL"
  if $VIRSH domxml-to-native qemu-argv --domain "$name" > "$nat" 2> "$nerr"; then
    rm -f "$nerr"
  else
    [ -s "$nat" ] || rm -f "$nat"
    printf '%s\tdomxml-to-native: %s\n' "$case" "$(tr '\n' ' ' < "$nerr")" >> "$FAIL"
  fi
  $VIRSH undefine --nvram --tpm "$name" >/dev/null 2>&1 || \
    $VIRSH undefine --nvram "$name" >/dev/null 2>&1 || \
    printf '%s\tundefine failed\n' "$case" >> "$FAIL"
}

Q2=/var/tmp/corpus/disk.qcow2
QD=/var/tmp/corpus/data.qcow2
R1=/var/tmp/corpus/disk.raw
R2=/var/tmp/corpus/data.raw
ISO=/var/tmp/corpus/install.iso

# ---------------------------------------------------------------- cases
# --- baseline / machine types / OS variants
C 01 q35-debian11-defaults --osinfo debian11 --memory 2048 --import --disk $Q2 \
  --network network=default,mac=52:54:00:00:01:01
C 02 pc-generic-ide-raw --machine pc --osinfo generic --memory 512 --vcpus 1 --import \
  --disk $R1,format=raw,bus=ide --network user,model=rtl8139,mac=52:54:00:00:02:01 \
  --graphics vnc --video cirrus
C 03 pc-debian10-sata-e1000 --machine pc --osinfo debian10 --memory 1024 --import \
  --disk $Q2,bus=sata --network bridge=br0,model=e1000,mac=52:54:00:00:03:01 \
  --graphics vnc,listen=127.0.0.1,port=5910 --video vga --sound ac97
C 04 q35-virtio-scsi-disks --osinfo debian11 --memory 2048 --import \
  --controller type=scsi,model=virtio-scsi \
  --disk $Q2,bus=scsi --disk $QD,bus=scsi,cache=none,discard=unmap \
  --disk $ISO,device=cdrom,bus=scsi --network network=default,model=virtio,mac=52:54:00:00:04:01
C 05 q35-cdrom-bootorder --osinfo debian11 --memory 2048 --import --boot cdrom,hd,menu=on \
  --disk $ISO,device=cdrom --disk $Q2 --network bridge=br0,model=virtio,mac=52:54:00:00:05:01
C 06 fedora37-spice-qxl --osinfo fedora37 --memory 2048 --import --disk $Q2 \
  --network network=default,mac=52:54:00:00:06:01 --graphics spice --video qxl \
  --channel spicevmc --redirdev usb,type=spicevmc --redirdev usb,type=spicevmc \
  --audio id=1,type=spice --sound ich6,audio.id=1
C 07 ubuntu2204-headless --osinfo ubuntu22.04 --memory 2048 --import --disk $Q2 \
  --network network=default,mac=52:54:00:00:07:01 --graphics none \
  --serial pty --console pty,target_type=virtio
C 08 win10-bios-sata --osinfo win10 --memory 4096 --import --disk $Q2,bus=sata \
  --disk $ISO,device=cdrom,bus=sata --network network=default,model=e1000e,mac=52:54:00:00:08:01
C 09 win11-uefi-auto --osinfo win11 --memory 4096 --import --boot uefi --disk $Q2,bus=sata \
  --network bridge=br0,model=e1000e,mac=52:54:00:00:09:01
C 10 debian11-uefi --osinfo debian11 --memory 2048 --import --boot uefi --disk $Q2 \
  --network network=default,mac=52:54:00:00:10:01
C 11 fedora37-secureboot-loader --osinfo fedora37 --memory 2048 --import \
  --boot loader=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd,loader.readonly=yes,loader.type=pflash,loader.secure=yes,nvram.template=/usr/share/OVMF/OVMF_VARS_4M.ms.fd \
  --features smm.state=on --disk $Q2 --network network=default,mac=52:54:00:00:11:01
C 12 uefi-firmware-features --osinfo debian11 --memory 2048 --import \
  --boot firmware=efi,firmware.feature0.name=secure-boot,firmware.feature0.enabled=no,firmware.feature1.name=enrolled-keys,firmware.feature1.enabled=no \
  --disk $Q2 --network network=default,mac=52:54:00:00:12:01
C 13 pc-uefi --machine pc --osinfo debian11 --memory 2048 --import --boot uefi --disk $Q2 \
  --network network=default,mac=52:54:00:00:13:01 --graphics vnc
C 14 direct-kernel-boot --osinfo debian11 --memory 1024 --import \
  --boot "kernel=$D/vmlinuz,initrd=$D/initrd.img,kernel_args=console=ttyS0 root=/dev/vda1 ro" \
  --disk $Q2 --network network=default,mac=52:54:00:00:14:01 --graphics none --serial pty

# --- CPU configurations
C 15 cpu-host-model --osinfo debian11 --memory 2048 --import --cpu host-model --disk $Q2 \
  --network network=default,mac=52:54:00:00:15:01
C 16 cpu-host-passthrough-opts --osinfo debian11 --memory 2048 --import \
  --cpu host-passthrough,cache.mode=passthrough,migratable=off,check=none --disk $Q2 \
  --network network=default,mac=52:54:00:00:16:01
C 17 cpu-skylake-features --osinfo fedora37 --memory 2048 --import \
  --cpu Skylake-Client,match=exact,check=none,require=pcid,disable=hle,forbid=rtm,optional=vmx,+x2apic,secure=off \
  --disk $Q2 --network network=default,mac=52:54:00:00:17:01
C 18 tcg-qemu64-pc --virt-type qemu --machine pc --osinfo generic --memory 1024 --import \
  --cpu qemu64,+x2apic,-svm,secure=off --disk $Q2 \
  --network user,model=e1000,mac=52:54:00:00:18:01 --graphics vnc --video vga
C 19 cpu-maximum --osinfo debian11 --memory 2048 --import --cpu mode=maximum --disk $Q2 \
  --network network=default,mac=52:54:00:00:19:01
C 20 vcpus-topology --osinfo debian11 --memory 4096 --import \
  --vcpus 8,maxvcpus=16,sockets=2,cores=4,threads=2,cpuset=0-3 --disk $Q2 \
  --network network=default,mac=52:54:00:00:20:01
C 21 numa-two-cells --osinfo debian11 --memory 4096 --vcpus 4 --import \
  --cpu host-passthrough,numa.cell0.id=0,numa.cell0.cpus=0-1,numa.cell0.memory=2097152,numa.cell1.id=1,numa.cell1.cpus=2-3,numa.cell1.memory=2097152,numa.cell0.distances.sibling0.id=0,numa.cell0.distances.sibling0.value=10,numa.cell0.distances.sibling1.id=1,numa.cell0.distances.sibling1.value=21,numa.cell1.distances.sibling0.id=0,numa.cell1.distances.sibling0.value=21,numa.cell1.distances.sibling1.id=1,numa.cell1.distances.sibling1.value=10 \
  --numatune memory.mode=strict,memory.nodeset=0 \
  --disk $Q2 --network network=default,mac=52:54:00:00:21:01

# --- memory
C 22 hugepages --osinfo debian11 --memory 2048 --import \
  --memorybacking hugepages=on,hugepages.page0.size=2,hugepages.page0.unit=M,nosharepages=on,locked=on \
  --disk $Q2 --network network=default,mac=52:54:00:00:22:01
C 23 memory-hotplug-dimm --osinfo debian11 --memory 3072,maxMemory=8192,maxMemory.slots=4 --vcpus 2 --import \
  --cpu host-model,numa.cell0.cpus=0-1,numa.cell0.memory=2097152 \
  --memdev dimm,target.size=1024,target.node=0 \
  --disk $Q2 --network network=default,mac=52:54:00:00:23:01
C 24 memballoon-stats --osinfo debian11 --memory 2048,currentMemory=1024 --import \
  --memballoon model=virtio,stats.period=10,autodeflate=on,freePageReporting=on \
  --disk $Q2 --network network=default,mac=52:54:00:00:24:01

# --- iothreads / filesystems
C 25 iothreads --osinfo debian11 --memory 2048 --import --iothreads 2 \
  --disk $Q2,driver.iothread=1 \
  --controller type=scsi,model=virtio-scsi,driver.iothread=2,driver.queues=4 \
  --disk $QD,bus=scsi --network network=default,mac=52:54:00:00:25:01
C 26 virtiofs --osinfo fedora37 --memory 2048 --import \
  --memorybacking source.type=memfd,access.mode=shared \
  --filesystem source=$D/share,target=hosttag,driver.type=virtiofs \
  --disk $Q2 --network network=default,mac=52:54:00:00:26:01
C 27 fs-9p --machine pc --osinfo debian11 --memory 2048 --import \
  --filesystem source=$D/share,target=share9p,accessmode=mapped \
  --filesystem source=$D/share2,target=ro9p,accessmode=passthrough,readonly=on \
  --disk $Q2 --network network=default,mac=52:54:00:00:27:01

# --- watchdog / sound / tpm / rng
C 28 watchdog-i6300esb --machine pc --osinfo debian11 --memory 1024 --import \
  --watchdog i6300esb,action=reset --disk $Q2 --network network=default,model=e1000,mac=52:54:00:00:28:01
C 29 q35-watchdog-ib700 --osinfo debian11 --memory 1024 --import \
  --watchdog ib700,action=pause --disk $Q2 --network network=default,mac=52:54:00:00:29:01
C 30 sound-ich9-codec --osinfo debian11 --memory 2048 --import \
  --sound ich9,codec0.type=output --disk $Q2 --network network=default,mac=52:54:00:00:30:01
C 31 tpm-tis --osinfo debian11 --memory 2048 --import \
  --tpm emulator,model=tpm-tis,backend.version=2.0 --disk $Q2 \
  --network network=default,mac=52:54:00:00:31:01
C 32 tpm-crb-uefi --osinfo fedora37 --memory 2048 --import --boot uefi \
  --tpm emulator,model=tpm-crb,backend.version=2.0,backend.persistent_state=yes \
  --disk $Q2 --network network=default,mac=52:54:00:00:32:01
C 33 rng-urandom-rate --osinfo debian11 --memory 2048 --import \
  --rng /dev/urandom,rate.bytes=1024,rate.period=1000 --disk $Q2 \
  --network network=default,mac=52:54:00:00:33:01
C 34 rng-builtin --osinfo debian11 --memory 2048 --import --rng builtin --disk $Q2 \
  --network network=default,mac=52:54:00:00:34:01
C 35 rng-egd-tcp --osinfo debian11 --memory 2048 --import \
  --rng egd,backend.type=tcp,backend.source.mode=connect,backend.source.host=127.0.0.1,backend.source.service=1234 \
  --disk $Q2 --network network=default,mac=52:54:00:00:35:01

# --- controllers / input / serial / channels
C 36 pc-usb2-controllers --machine pc --osinfo debian11 --memory 2048 --import \
  --controller usb2 --controller type=virtio-serial \
  --disk $Q2 --network network=default,mac=52:54:00:00:36:01
C 37 usb-nec-xhci --osinfo debian11 --memory 2048 --import \
  --controller type=usb,model=nec-xhci --disk $Q2 --network network=default,mac=52:54:00:00:37:01
C 38 input-devices --osinfo debian11 --memory 2048 --import \
  --input tablet,bus=usb --input keyboard,bus=usb --input mouse,bus=virtio --input keyboard,bus=virtio \
  --disk $Q2 --network network=default,mac=52:54:00:00:38:01
C 39 serial-console-parallel --machine pc --osinfo debian11 --memory 1024 --import --graphics none \
  --serial pty --serial file,path=$D/serial1.log --console pty,target_type=serial \
  --parallel file,path=$D/parallel.log --disk $Q2 --network network=default,mac=52:54:00:00:39:01
C 40 channels --osinfo debian11 --memory 2048 --import \
  --channel unix,mode=bind,target_type=virtio,name=org.qemu.guest_agent.0 \
  --channel spicevmc --channel qemu-vdagent,source.clipboard.copypaste=on,target.type=virtio \
  --channel unix,mode=bind,path=$D/custom.sock,target_type=virtio,name=org.example.custom.0 \
  --disk $Q2 --network network=default,mac=52:54:00:00:40:01

# --- features / clock / events / pm / sysinfo
C 41 features-clock-events-pm --osinfo debian11 --memory 2048 --import \
  --features acpi=on,apic=on,pae=on,vmport.state=off,smm.state=on,pmu.state=off,kvm.hidden.state=on,vmcoreinfo.state=on,kvm.poll-control.state=on \
  --clock offset=utc,rtc_tickpolicy=catchup,pit_tickpolicy=delay,hpet_present=no,kvmclock_present=yes \
  --events on_poweroff=destroy,on_reboot=restart,on_crash=coredump-restart \
  --pm suspend_to_mem.enabled=on,suspend_to_disk.enabled=off \
  --disk $Q2 --network network=default,mac=52:54:00:00:41:01
C 42 win10-hyperv --osinfo win10 --memory 4096 --import \
  --features hyperv.relaxed.state=on,hyperv.vapic.state=on,hyperv.spinlocks.state=on,hyperv.spinlocks.retries=8191,hyperv.synic.state=on,hyperv.reset.state=on \
  --clock offset=localtime,hypervclock_present=yes --panic model=hyperv \
  --disk $Q2,bus=sata --network network=default,model=e1000e,mac=52:54:00:00:42:01
C 43 sysinfo-smbios --osinfo debian11 --memory 2048 --import \
  --sysinfo bios.vendor=VirtcBIOS,bios.version=1.2.3,bios.date=01/01/2023,system.manufacturer=Virtc,system.product=CorpusVM,system.version=1.0,system.serial=SN0043,system.uuid=00000000-0000-4000-8000-000000000043,system.family=Test,baseBoard.manufacturer=Virtc,baseBoard.product=Board,chassis.manufacturer=Virtc,oemStrings.entry0=foo,oemStrings.entry1=bar \
  --disk $Q2 --network network=default,mac=52:54:00:00:43:01

# --- iommu / vsock / panic / shmem
C 44 iommu-vsock-panic --osinfo debian11 --memory 2048 --import \
  --features ioapic.driver=qemu \
  --iommu model=intel,driver.intremap=on,driver.caching_mode=on,driver.eim=on,driver.iotlb=on \
  --vsock cid.address=5 --panic default \
  --disk $Q2 --network network=default,mac=52:54:00:00:44:01
C 45 shmem --osinfo debian11 --memory 2048 --import \
  --shmem name=shmem0,model.type=ivshmem-plain,size=4,size.unit=M \
  --shmem name=shmem1,model.type=ivshmem-doorbell,server.path=$D/ivshmem.sock,msi.vectors=4,msi.ioeventfd=on \
  --disk $Q2 --network network=default,mac=52:54:00:00:45:01

# --- video / graphics
C 46 video-bochs-vnc --osinfo debian11 --memory 2048 --import --graphics vnc --video bochs \
  --disk $Q2 --network network=default,mac=52:54:00:00:46:01
C 47 video-ramfb --osinfo debian11 --memory 2048 --import --graphics vnc --video ramfb \
  --disk $Q2 --network network=default,mac=52:54:00:00:47:01
C 48 video-virtio-heads --osinfo debian11 --memory 2048 --import --graphics spice \
  --video virtio,model.heads=2 --disk $Q2 --network network=default,mac=52:54:00:00:48:01
C 49 video-none-vnc --osinfo debian11 --memory 2048 --import --graphics vnc --video none \
  --disk $Q2 --network network=default,mac=52:54:00:00:49:01
C 50 vnc-options --machine pc --osinfo debian11 --memory 2048 --import \
  --graphics vnc,password=secret,keymap=de,listen=0.0.0.0,port=5951 --video vga \
  --disk $Q2 --network network=default,mac=52:54:00:00:50:01
C 51 spice-options --osinfo fedora37 --memory 2048 --import \
  --graphics spice,listen=127.0.0.1,image.compression=auto_glz,streaming.mode=filter,clipboard.copypaste=no,mouse.mode=client,filetransfer.enable=no \
  --video qxl,model.vram=65536,model.ram=65536,model.vgamem=16384,model.heads=1 \
  --smartcard mode=passthrough,type=spicevmc \
  --disk $Q2 --network network=default,mac=52:54:00:00:51:01

# --- disks / networks
C 52 disk-options --osinfo debian11 --memory 2048 --import \
  --disk $Q2,bus=virtio,cache=none,io=native,discard=unmap,detect_zeroes=unmap,serial=VIRTC0052,boot.order=1 \
  --disk $QD,bus=virtio,readonly=on,iotune.total_iops_sec=1000 \
  --disk $R2,format=raw,bus=sata,shareable=on,cache=none \
  --network network=default,mac=52:54:00:00:52:01
C 53 multi-nic --osinfo debian11 --memory 2048 --import --disk $Q2 \
  --network network=default,model=virtio,mac=52:54:00:00:53:01,driver.queues=4 \
  --network bridge=br0,model=e1000e,mac=52:54:00:00:53:02 \
  --network user,model=e1000,mac=52:54:00:00:53:03 \
  --network bridge=br0,model=rtl8139,mac=52:54:00:00:53:04,link.state=down
C 54 ubuntu2004-pc-raw-virtio --machine pc --osinfo ubuntu20.04 --memory 2048 --import \
  --disk $R1,format=raw,bus=virtio --network bridge=br0,model=virtio,mac=52:54:00:00:54:01

# --- more OS variants (osinfo-driven defaults)
C 55 centos-stream9 --osinfo centos-stream9 --memory 2048 --import --disk $Q2 \
  --network network=default,mac=52:54:00:00:55:01
C 56 opensuse154 --osinfo opensuse15.4 --memory 2048 --import --disk $Q2 \
  --network network=default,mac=52:54:00:00:56:01
C 57 freebsd131 --osinfo freebsd13.1 --memory 2048 --import --disk $Q2 \
  --network network=default,mac=52:54:00:00:57:01
C 58 alpine317 --osinfo alpinelinux3.17 --memory 1024 --import --disk $Q2 \
  --network network=default,mac=52:54:00:00:58:01
C 59 rhel9-uefi --osinfo rhel9.0 --memory 2048 --import --boot uefi --disk $Q2 \
  --network network=default,mac=52:54:00:00:59:01

# --- minimal / tuning / misc
C 60 generic-minimal-none --osinfo generic --memory 256 --vcpus 1 --import --disk $R1,format=raw \
  --network none --graphics none --video none --sound none --memballoon none --rng none \
  --controller type=usb,model=none --input none
C 61 tuning --osinfo debian11 --memory 2048 --vcpus 2 --iothreads 1 --import \
  --cputune vcpupin0.vcpu=0,vcpupin0.cpuset=0,vcpupin1.vcpu=1,vcpupin1.cpuset=1,emulatorpin.cpuset=0-1,shares=2048,period=100000,quota=50000 \
  --memtune hard_limit=4194304,soft_limit=3145728 \
  --blkiotune weight=500 --resource partition=/machine \
  --seclabel type=none \
  --disk $Q2 --network network=default,mac=52:54:00:00:61:01
C 62 qemu-commandline --osinfo debian11 --memory 2048 --import \
  --qemu-commandline="-device pvpanic" --qemu-commandline=env=FOO=bar \
  --disk $Q2 --network network=default,mac=52:54:00:00:62:01
C 63 metadata-title --osinfo debian11 --memory 2048 --import \
  --metadata "title=Corpus VM 63,description=A described domain" \
  --disk $Q2 --network network=default,mac=52:54:00:00:63:01
C 64 events-lifecycle-pc --machine pc --osinfo debian10 --memory 1024 --import \
  --events on_poweroff=destroy,on_reboot=restart,on_crash=preserve,on_lockfailure=poweroff \
  --clock offset=localtime,rtc_present=yes,pit_present=yes \
  --disk $R1,format=raw,bus=ide --disk $ISO,device=cdrom,bus=ide \
  --network bridge=br0,model=rtl8139,mac=52:54:00:00:64:01 --graphics spice --video qxl --sound ac97

# --- accepted by virt-install 4.1.0 but rejected by libvirt 9.0.0 at define
# time (and not in its RNG schema); they end up in rejected/.
C 65 watchdog-itco --osinfo debian11 --memory 1024 --import \
  --watchdog itco,action=poweroff --disk $Q2 --network network=default,mac=52:54:00:00:65:01
C 66 panic-pvpanic --osinfo debian11 --memory 1024 --import \
  --panic model=pvpanic --disk $Q2 --network network=default,mac=52:54:00:00:66:01
C 67 events-preserve --osinfo debian11 --memory 1024 --import \
  --events on_poweroff=preserve,on_reboot=preserve --disk $Q2 \
  --network network=default,mac=52:54:00:00:67:01
C 68 events-poweroff-restart --osinfo debian11 --memory 1024 --import \
  --events on_poweroff=restart,on_reboot=destroy --disk $Q2 \
  --network network=default,mac=52:54:00:00:68:01

# ---------------------------------------------------------------- leftovers
# virt-install auto-creates a storage pool for /var/tmp/corpus; remove it
# again (files are not touched).
if $VIRSH pool-info corpus >/dev/null 2>&1; then
  $VIRSH pool-destroy corpus >/dev/null 2>&1 || true
  $VIRSH pool-undefine corpus >/dev/null 2>&1 || true
fi

# ---------------------------------------------------------------- host info
$VIRSH capabilities > "$OUT/capabilities.xml"
$VIRSH domcapabilities --machine q35 > "$OUT/domcapabilities-q35.xml"

# ---------------------------------------------------------------- validation
VAL=$OUT/virt-xml-validate.txt
: > "$VAL"
for f in "$OUT"/print-xml/*.xml "$OUT"/dumpxml/*.xml "$OUT"/rejected/*.xml; do
  rel=${f#"$OUT"/}
  if msg=$(virt-xml-validate "$f" domain 2>&1); then
    printf '%s\tvalid\n' "$rel" >> "$VAL"
  else
    printf '%s\tINVALID: %s\n' "$rel" "$(echo "$msg" | tr '\n' ' ')" >> "$VAL"
  fi
done

# ---------------------------------------------------------------- README
ver() { "$@" 2>&1 | head -1; }
osinfo_db=$(dpkg-query -W -f='${Version}' osinfo-db 2>/dev/null || echo unknown)
{
  echo "# libvirt domain XML corpus"
  echo
  echo "Domain XML documents produced by real tools (virt-install and virsh),"
  echo "used as test input for virtc.  Generated by \`tools/corpus/make_corpus.sh\`."
  echo
  echo "Generated: $(date -u +%Y-%m-%d)"
  echo
  echo "## Tool versions"
  echo
  echo "| tool | version |"
  echo "|---|---|"
  echo "| virt-install | $(ver virt-install --version) |"
  echo "| virsh | $(ver virsh --version) |"
  echo "| libvirtd | $(ver libvirtd --version) |"
  echo "| qemu-system-x86_64 | $(ver qemu-system-x86_64 --version) |"
  echo "| osinfo-db (Debian package) | $osinfo_db |"
  echo "| OVMF (Debian package) | $(dpkg-query -W -f='${Version}' ovmf 2>/dev/null) |"
  echo "| swtpm (Debian package) | $(dpkg-query -W -f='${Version}' swtpm 2>/dev/null) |"
  echo "| OS | $(. /etc/os-release; echo "$PRETTY_NAME") |"
  echo "| KVM available | $([ -c /dev/kvm ] && echo yes || echo no) |"
  echo
  echo "## Layout"
  echo
  echo "* \`print-xml/CASE.xml\` - output of \`virt-install --print-xml\` (command in the table below)."
  echo "* \`dumpxml/CASE.xml\` - the same document after \`virsh define\` + \`virsh dumpxml --inactive\`"
  echo "  (libvirt-normalised: PCI addresses, controllers, machine alias expanded, ...)."
  echo "* \`native/CASE.argv\` - \`virsh domxml-to-native qemu-argv --domain NAME\` of the defined domain;"
  echo "  \`native/CASE.err\` holds the error text where that failed."
  echo "* \`commands.tsv\` - case<TAB>exact virt-install command (shell-quoted)."
  echo "* \`virt-xml-validate.txt\` - result of \`virt-xml-validate FILE domain\` for every XML file."
  echo "* \`virt-install-stderr.txt\` - warnings printed by virt-install; \`failures.txt\` - failed steps (empty = none)."
  echo "* \`capabilities.xml\`, \`domcapabilities-q35.xml\` - \`virsh capabilities\` / \`virsh domcapabilities --machine q35\` of the generating host."
  echo
  echo "Fixture files referenced by the XML (dummy images, ISO, kernel) live in /var/tmp/corpus"
  echo "and are created by the script.  The domain name is \`virtc-NN-CASE\`, the UUID"
  echo "\`00000000-0000-4000-8000-0000000000NN\` and MACs \`52:54:00:00:NN:0k\`."
  echo
  echo "## Regenerating"
  echo
  echo "Install (Debian 12): qemu-system-x86 libvirt-daemon libvirt-daemon-driver-qemu virtinst"
  echo "ovmf swtpm swtpm-tools libvirt-clients xorriso.  Run libvirtd as root (\`user = \"root\"\`,"
  echo "\`group = \"root\"\` in /etc/libvirt/qemu.conf), ideally with a clean environment so the"
  echo "argv files do not embed your PATH:"
  echo
  echo '```sh'
  echo 'virtlogd -d'
  echo 'env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C libvirtd -d'
  echo 'tools/corpus/make_corpus.sh'
  echo '```'
  echo
  cat <<'EOF2'
## Notes

* Every case has a fixed name/UUID/MAC, so re-running the script gives
  byte-identical XML and argv on the same host (capabilities.xml differs in
  free-memory counters).  Host-dependent parts: the default `<cpu>`
  (host-passthrough under KVM), `domain type` (kvm), firmware paths.
* virt-install writes double-quoted attributes, virsh dumpxml single-quoted.
* virt-install 4.1 silently adds a TPM (tpm-crb, emulator 2.0) to every UEFI
  guest, adds `<vmport state="off"/>` on q35, and for `--osinfo generic` pins a
  versioned machine (`pc-i440fx-7.2`) instead of an alias.
* `rejected/` holds documents virt-install 4.1.0 produced but libvirt 9.0.0
  refused at `virsh define` (the `.err` files hold libvirt's message; the
  itco/pvpanic ones also fail libvirt 9.0's RNG schema).
* Not covered: `--hostdev` (no host devices), `--launchSecurity` (no SEV).
* `native/hugepages.argv` needs a hugetlbfs mounted before libvirtd starts
  (`mount -t hugetlbfs hugetlbfs /dev/hugepages`); it was made so, separately, on 2026-11-30.

EOF2
  echo "## Cases ($NCASES)"
  echo
  echo "| case | virt-install command |"
  echo "|---|---|"
  tail -n +2 "$TSV" | while IFS=$'\t' read -r c cmd; do
    printf '| %s | `%s` |\n' "$c" "${cmd//|/\\|}"
  done
  echo
  echo "## Rejected cases ($NREJ)"
  echo
  echo "| case | virt-install command | libvirt error |"
  echo "|---|---|---|"
  tail -n +2 "$RTSV" | while IFS=$'\t' read -r c cmd; do
    printf '| %s | `%s` | %s |\n' "$c" "${cmd//|/\\|}" "$(tail -n 1 "$OUT/rejected/$c.err")"
  done
} > "$OUT/README.md"

echo "cases: $NCASES" >&2
echo "failures:" >&2; cat "$FAIL" >&2
grep -vc $'\tvalid$' "$VAL" | sed 's/^/invalid xml files: /' >&2
