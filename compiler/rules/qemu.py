"""Rules of the qemu family (QEMU3xx and QEMU4xx): what the QEMU backend can't express or carry."""
from . import Rule, codes

RULES = [
    Rule(codes.QEMU301, "unsupported-in-dialect",
         "The selected QEMU version has no command-line spelling for this setting.",
         "Each QEMU version accepts a different set of options (see docs/qemu-dialects.md). "
         "Emitting an option the version doesn't know makes QEMU refuse to start; leaving "
         "it out silently would run a different guest than the one described. Settings "
         "the guest can run without are QEMU316 instead.",
         "<interface type='bridge'><source bridge='br0'/></interface>  with --qemu-version 0.9",
         "Pick a newer --qemu-version (or let virtc detect it from the emulator), or change "
         "the element to one the version supports, as the hint says."),
    Rule(codes.QEMU302, "value-cannot-be-carried",
         "A value contains characters a QEMU command line cannot carry.",
         "argv strings end at a NUL byte, and QEMU's key=value option parser has no escape "
         "for line breaks (commas are escaped by doubling them, which virtc does). A value "
         "that can't be carried would be truncated or misparsed into other options.",
         "<source file='/images/a\\nb.img'/>  (a line break in the path)",
         "Rename the file or change the value so it has no NUL byte or line break."),
    Rule(codes.QEMU440, "value-not-of-json-type",
         "A value can't be written in the JSON type QEMU expects for its property.",
         "In the JSON spellings of -device, -object and -netdev (the '+libvirt' dialects) "
         "QEMU checks each value's JSON type: an integer property wants a number, a "
         "boolean true or false, and a property given twice has no JSON form. key=value "
         "text is converted by QEMU; JSON is not, so a value that is no integer would stop "
         "QEMU with 'Invalid parameter type'.",
         "a -device property whose value is not a number where QEMU's property is an integer",
         "Give the value in the property's type, or compile with a plain --qemu-version X.Y, "
         "which writes key=value options."),
    Rule(codes.QEMU303, "unknown-network",
         "<source network='NAME'> names a virtual network whose bridge is unknown.",
         "QEMU has no notion of libvirt networks: a network compiles to the host bridge it "
         "stands for. Only the built-in 'default' network (bridge virbr0) and networks given "
         "with --network are known.",
         "<interface type='network'><source network='lab'/></interface>",
         "Pass the network's definition with `--network lab.xml` (a libvirt <network> with "
         "<bridge name='…'/>), or fix the name."),
    Rule(codes.QEMU304, "kqemu-unavailable",
         "type='kqemu' asks for the kqemu accelerator, which this QEMU doesn't have.",
         "kqemu was removed from QEMU in 0.12. The guest still runs, under plain TCG "
         "emulation, which is much slower than what the document asked for.",
         "<domain type='kqemu'>  with --qemu-version 7.2",
         "Use type='kvm' for hardware acceleration, or type='qemu' to ask for TCG."),
    Rule(codes.QEMU305, "lifecycle-not-expressible",
         "An on_poweroff/on_reboot/on_crash action has no QEMU command-line form.",
         "QEMU can exit instead of rebooting (-no-reboot), stop instead of exiting at "
         "poweroff (-no-shutdown) and, from 6.0, choose what a guest panic does (-action). "
         "Restarting after poweroff or renaming the domain needs a management layer.",
         "<on_poweroff>restart</on_poweroff>",
         "Implement the action in whatever watches QMP events, or pick one of the actions "
         "listed in docs/qemu-mapping.md."),
    Rule(codes.QEMU306, "setting-ignored",
         "A setting has no QEMU equivalent and is left out of the command line.",
         "Some elements only mean something to Xen (loader, bootloader, blktap drivers, "
         "vif scripts) or to a host-side component QEMU doesn't control (the guest's IP "
         "address, the tap name chosen by qemu-bridge-helper). Dropping them silently "
         "would hide that the guest differs from its description.",
         "<interface type='bridge'><source bridge='br0'/><target dev='vnet7'/></interface>",
         "Remove the setting from documents compiled for QEMU, or use the element the hint "
         "names (e.g. type='ethernet' with a script when the tap name matters)."),
    Rule(codes.QEMU307, "pty-path-runtime",
         "A pty character device names its tty= path, which QEMU chooses when it starts.",
         "QEMU allocates a new pseudo-terminal for a pty serial port, parallel port or "
         "console each time the guest starts; libvirt records the one it got as tty= in the "
         "live XML. The command line can't ask for a particular pty, so the next start gets "
         "another path. (The domain id and a balloon target were QEMU307 too before they got "
         "their own codes, QEMU319 and QEMU318.)",
         "<console type='pty' tty='/dev/pts/5'/>",
         "Nothing to do for a dump of a running domain; drop tty= from definitions, and read "
         "the pty from QMP `query-chardev` after start."),
    Rule(codes.QEMU390, "derived-mac",
         "A NIC without <mac> got a MAC that virtc derived.",
         "libvirt gives such a NIC a random MAC when the domain is defined; a compiler's "
         "output must be the same at every run, so virtc derives one instead: 52:54:00 "
         "(QEMU's locally administered prefix) and the first three bytes of SHA-256 over "
         "\"<uuid or name>/<NIC index>\". The guest keeps that MAC from run to run, but it "
         "isn't the one libvirt would have made.",
         "<interface type='network'><source network='default'/></interface>",
         "Write the MAC you want: <mac address='52:54:00:…'/> (the message names the one "
         "virtc chose)."),
    Rule(codes.QEMU308, "vnc-password-not-on-argv",
         "A VNC password can't be put on this QEMU's command line.",
         "Before QEMU 6.0 (-vnc password-secret=, QEMU441), QEMU only takes VNC passwords "
         "through the monitor. virtc emits password=on, which makes QEMU refuse every VNC "
         "client until the password is set.",
         "<graphics type='vnc' port='5904' passwd='secret'/>",
         "After start, run QMP `change-vnc-password` (HMP: `set_password vnc …`)."),
    Rule(codes.QEMU309, "not-a-qemu-domain",
         "<domain type='xen'> was compiled with the QEMU backend.",
         "A Xen domain is started by the Xen toolstack, which runs its own device model; a "
         "qemu-system command line for it would run a different guest.",
         "<domain type='xen'>",
         "Compile it with the Xen backend, or set type='kvm' or type='qemu'."),
    Rule(codes.QEMU310, "disk-target-invalid",
         "A disk's <target dev> has no drive slot, or shares one with another disk.",
         "QEMU places IDE drives by index (hda=0 … hdd=3), floppies on fda/fdb and LSI SCSI "
         "disks on ids 0-6; a name outside that range, or two disks on one slot, makes QEMU "
         "refuse to start.",
         "<target dev='hde'/>",
         "Use hda-hdd, fda/fdb, sda-sdg or vd*, one disk per name."),
    Rule(codes.QEMU311, "paravirt-os-type",
         "<os><type> is linux/xen (Xen paravirtualization), but QEMU runs full guests.",
         "QEMU boots the kernel as an ordinary PC would; a kernel built only for Xen PV "
         "won't boot that way.",
         "<os><type>linux</type><kernel>/boot/vmlinuz-xen</kernel></os>",
         "Use <type>hvm</type> with a kernel that boots on a PC."),
    Rule("QEMU312", "source-incomplete", codes.E,
         "A network or character device lacks the address, port or path it needs.",
         "mcast/client interfaces need an address and a port (a server at least a port); "
         "file, pipe, dev and unix character devices need a path; tcp and udp need a port.",
         "<interface type='mcast'><source port='5558'/></interface>",
         "Add the missing attribute to <source>.",
         retired="SEM201 (interfaces) and SEM220 (character devices) report a missing source "
                 "before any backend runs, and the QEMU backend no longer checks again."),
    Rule(codes.QEMU313, "vnc-port-below-5900",
         "A VNC port below 5900 was requested.",
         "QEMU addresses VNC servers by display number, listening on 5900 + display; a "
         "lower port can't be expressed.",
         "<graphics type='vnc' port='5000'/>",
         "Use a port of 5900 or more, or port='-1' to let QEMU pick one."),
    Rule(codes.QEMU314, "vnc-autoport-fixed",
         "port='-1' asks for any free VNC port, but this QEMU can't search for one.",
         "QEMU before 1.1 has no `to=` option; virtc uses display 0 (port 5900), and QEMU "
         "fails to start if another server holds it.",
         "<graphics type='vnc' port='-1'/>  with --qemu-version 0.12",
         "Give a fixed port, or use a newer QEMU version."),
    Rule(codes.QEMU315, "readonly-ide-disk",
         "A hard disk on the IDE bus is marked <readonly/>.",
         "QEMU's IDE hard disk device cannot be read-only: QEMU refuses to start with "
         "\"Block node is read-only\". libvirt rejects the same domain.",
         "<disk type='file'><source file='/a.img'/><target dev='hdb'/><readonly/></disk>",
         "Attach the disk as virtio (vd*) or SCSI (sd*), or make it writable. CD-ROMs on IDE "
         "may be read-only."),
    Rule(codes.QEMU316, "left-out-for-dialect",
         "The selected QEMU version can't express a setting the guest can run without; "
         "virtc leaves it out.",
         "Some settings refine a guest that starts without them: its SMBIOS UUID, a "
         "read-only disk, the boot devices after the first, ACPI being off. An older QEMU "
         "with no spelling for one of them starts the guest with its own default instead, "
         "which the message names. The guest runs, but not exactly as described.",
         "<boot dev='cdrom'/><boot dev='hd'/>  with --qemu-version 0.9",
         "Accept the difference the message names, or pick a newer --qemu-version (or let "
         "virtc detect it from the emulator)."),
    Rule(codes.QEMU317, "kvm-switch-missing",
         "<domain type='kvm'> with a QEMU version that has no switch to turn KVM on.",
         "QEMU before 0.12 has neither -enable-kvm nor -machine accel=kvm: KVM came with the "
         "separate kvm fork (qemu-kvm), whose binary uses KVM without being asked. The "
         "command line is the same either way; which binary runs decides the accelerator.",
         "<domain type='kvm'>  with --qemu-version 0.9",
         "Point <emulator> (or --emulator) at the kvm fork's binary, or pick a newer "
         "--qemu-version."),
    Rule(codes.QEMU318, "balloon-target-at-runtime",
         "<currentMemory> is below <memory>, a balloon target QEMU's command line can't set.",
         "libvirt starts the guest with <memory> and then inflates the balloon until the "
         "guest has <currentMemory>. QEMU's -m only sets the maximum: started from virtc's "
         "command line, the guest keeps all of <memory> until something sets the target.",
         "<memory>1048576</memory><currentMemory>524288</currentMemory>",
         "After start, set the target with QMP `balloon` (HMP `balloon 512`), or set "
         "<currentMemory> equal to <memory>."),
    Rule(codes.QEMU319, "domain-id-at-runtime",
         "<domain id=…> is the number of a running domain, not an input to QEMU.",
         "libvirt numbers running domains and writes the number into the live XML; a "
         "definition has none, and QEMU's command line has no place for it.",
         "<domain type='kvm' id='7'>",
         "Nothing to do for a dump of a running domain; drop id= from definitions."),
    Rule(codes.QEMU320, "not-compiled-for-qemu",
         "Valid libvirt XML that virtc does not compile for QEMU yet.",
         "libvirt's domain format is much larger than what virtc's QEMU backend builds. The "
         "document is valid (validate says nothing), but an argv that left this element out "
         "would start a different guest than the one described, so virtc makes none.",
         "<controller type='usb' model='qemu-xhci'/>  or  <disk type='network'>…</disk>",
         "Remove the element if the guest can do without it, or start this guest with "
         "libvirt. `virtc rules` lists what each backend compiles."),
    Rule(codes.QEMU323, "disk-format-not-qemu",
         "A disk's <driver type> is a storage format QEMU can't open as an image.",
         "cow, iso and dir are formats libvirt knows for storage volumes, but its QEMU "
         "driver refuses them for a disk image (QEMU has no block driver of that name), so "
         "no argv can start this guest as described. (vhd is opened by QEMU's vhdx driver "
         "and ploop by parallels, as libvirt does.)",
         "<disk type='file'><driver name='qemu' type='cow'/>…</disk>",
         "Convert the image (qemu-img convert -O qcow2) and say type='qcow2', or use "
         "type='raw' for a plain image."),
    Rule(codes.QEMU360, "rtc-start-computed-at-compile",
         "The guest's RTC start date was computed when virtc compiled the domain.",
         "QEMU's -rtc base= takes utc, localtime or a date. A <clock offset='variable'> "
         "(a basis plus adjustment seconds) or offset='timezone' is a date computed from the "
         "current time, as libvirt computes it when it starts the guest; virtc computes it "
         "when it compiles, so the guest's clock is off by the time between the two.",
         "<clock offset='variable' adjustment='3600' basis='utc'/>",
         "Start the guest soon after compiling, or compile again just before starting it."),
    Rule(codes.QEMU321, "host-tuning-not-for-qemu",
         "Host-side tuning that plain QEMU has no option for is left out.",
         "<cputune>, <numatune>, <memtune>, <blkiotune>, <resource>, <seclabel> and the "
         "like tell libvirt how to schedule, pin, limit or label the QEMU process on the "
         "host. The guest runs the same without them, and QEMU's command line has no option "
         "for them, so virtc leaves them out and says so.",
         "<cputune><vcpupin vcpu='0' cpuset='2'/></cputune>",
         "Apply the tuning on the host (taskset, numactl, cgroups) if you need it, or "
         "remove it to silence the warning."),
]
