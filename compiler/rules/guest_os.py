"""Rules for <os>, the firmware and <sysinfo> (compiler/guest_os.py), for both backends."""
from . import Rule, codes

RULES = [
    Rule(codes.SEM280, "sysinfo-uuid-mismatch",
         "The <sysinfo><system> uuid entry is not a UUID, or differs from <uuid>.",
         "The guest reads its UUID from the SMBIOS table that <sysinfo> fills; libvirt refuses "
         "a domain whose two UUIDs disagree (\"UUID mismatch between <uuid> and <sysinfo>\"), "
         "or whose sysinfo uuid is malformed. Without <uuid>, the sysinfo one is the domain's.",
         "<uuid>c7a5fdb2-cdaf-9455-926a-d65c16db1809</uuid> … <sysinfo type='smbios'><system>"
         "<entry name='uuid'>00000000-0000-4000-8000-000000000001</entry></system></sysinfo>",
         "Give both the same value, or drop <uuid> and keep the one in <sysinfo>."),
    Rule(codes.QEMU350, "smbios-host-mode",
         "<smbios mode='host'> asks for the host's SMBIOS tables in the guest.",
         "libvirtd reads the host's tables when it starts the guest and passes them as "
         "-smbios options; virtc builds a command line from the document alone and does not "
         "read the host's firmware tables, so the guest would see QEMU's own values instead.",
         "<os><type>hvm</type><smbios mode='host'/></os>",
         "Copy the values the guest needs into <sysinfo type='smbios'> and use "
         "<smbios mode='sysinfo'/>, or drop <smbios> for QEMU's values."),
    Rule(codes.QEMU351, "bios-useserial-without-serial",
         "<bios useserial='yes'> without a <serial> device.",
         "useserial adds QEMU's sga device, which prints the BIOS screen on the first serial "
         "port; with no serial port there is nowhere to print, and libvirt refuses the "
         "domain (\"SGA is not supported without serial\").",
         "<os><bios useserial='yes'/></os> … <devices> (no <serial>)",
         "Add <serial type='pty'/>, or remove useserial."),
    Rule(codes.QEMU352, "efi-firmware-not-found",
         "<os firmware='efi'> and no UEFI firmware matches the guest.",
         "virtc picks the firmware as libvirt does, from QEMU's firmware descriptors "
         "(/usr/share/qemu/firmware/*.json; Debian's OVMF paths when there are none). None "
         "matched the guest's architecture, machine type and <firmware><feature> list, so "
         "there is no image to put in the flash.",
         "<os firmware='efi'><type arch='aarch64' machine='virt'>hvm</type></os>",
         "Install the firmware (Debian: apt-get install ovmf, or qemu-efi-aarch64), relax "
         "the <feature> list, or name the image: <loader readonly='yes' "
         "type='pflash'>PATH</loader>."),
    Rule(codes.QEMU353, "secure-boot-not-q35",
         "<loader secure='yes'> on a machine other than an x86_64 q35.",
         "The secure flash only answers writes from System Management Mode, and QEMU's SMM "
         "support for OVMF needs the q35 chipset; libvirt refuses the domain (\"Secure boot "
         "is supported with q35 machine types only\"), and an i440fx guest would not boot.",
         "<type arch='x86_64' machine='pc'>hvm</type><loader secure='yes' readonly='yes' "
         "type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.secboot.fd</loader>",
         "Use machine='q35', or a loader without secure='yes' (OVMF_CODE_4M.fd)."),
    Rule(codes.XEN450, "xm-pvh",
         "A Xen PVH guest (<type>xenpvh</type>) compiled for xm.",
         "xend only builds paravirtualized (linux) and HVM guests; PVH is xl's "
         "type = \"pvh\" (Xen 4.10 and later).",
         "<os><type>xenpvh</type><kernel>/boot/vmlinuz</kernel></os>  with --target xen-xm",
         "Compile with --target xen-xl."),
    Rule(codes.XEN451, "xm-uefi",
         "A UEFI loader (type='pflash' or firmware='efi') compiled for xm.",
         "xm boots HVM guests from the hvmloader in its kernel key and has no OVMF "
         "setting; libvirt's xm driver writes none. xl writes bios = \"ovmf\".",
         "<os><type>hvm</type><loader type='pflash' readonly='yes'>/usr/lib/xen/boot/ovmf.bin"
         "</loader></os>  with --target xen-xm",
         "Compile with --target xen-xl, or boot the guest with hvmloader (SeaBIOS)."),
    Rule(codes.XEN452, "os-setting-not-for-xen",
         "An <os> or <sysinfo> setting that no xm/xl key carries.",
         "Xen builds the guest's firmware tables and boot menu itself: <bootmenu>, "
         "<smbios>/<sysinfo>, <bios useserial/rebootTimeout>, an <nvram> file, a <dtb> and "
         "a secure-boot loader have no key in xm or xl, so the guest would not see them; "
         "libvirt's Xen drivers drop them too.",
         "<domain type='xen'> … <os><type>hvm</type><bootmenu enable='yes'/></os>",
         "Remove the setting from domains compiled for Xen."),
]
