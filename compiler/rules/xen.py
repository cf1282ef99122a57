"""Rules of the xen family: what the Xen backend (xm config) reports."""
from . import Rule, codes

RULES = [
    Rule(
        codes.XEN401, "domain-type-not-xen",
        "A domain whose type is not 'xen' was compiled for a Xen target.",
        "<domain type='kvm'> (or qemu/kqemu) describes a guest for another hypervisor; "
        "its devices and defaults don't carry over to Xen, so no xm config is written.",
        "<domain type='kvm'>…</domain> compiled with --target xen-xm",
        "Compile for the QEMU target, or set <domain type='xen'> and review the devices.",
    ),
    Rule(
        codes.XEN402, "interface-type-unsupported",
        "An <interface> type that Xen's vif devices can't carry.",
        "Xen vifs attach to a host bridge or a routing script; user-mode (SLIRP), multicast "
        "and TCP socket networks are QEMU features with no xm equivalent.",
        "<interface type='user'/>",
        "Use <interface type='bridge'>, 'network' or 'ethernet' for Xen guests.",
    ),
    Rule(
        codes.XEN403, "network-unresolved",
        "An <interface type='network'> names a network with no known bridge.",
        "xm has no notion of libvirt networks: the vif needs the bridge the network uses, "
        "and virtc can only find it in the network definitions it was given.",
        "<interface type='network'><source network='lab'/></interface>",
        "Pass the network's definition with --network FILE, or use type='bridge' with "
        "<source bridge='…'/>.",
    ),
    Rule(
        codes.XEN404, "console-tty-runtime",
        "<console tty=…> is assigned by Xen at run time and is not written.",
        "The tty attribute reports where a running guest's console was attached "
        "(e.g. from `virsh dumpxml`); a config file can't choose it.",
        "<console tty='/dev/pts/5'/>",
        "Nothing to do; remove the attribute to silence this note.",
    ),
    Rule(
        codes.XEN405, "domain-id-runtime",
        "<domain id=…> is a run-time value and is not written.",
        "Xen assigns domain ids when a guest starts; the id in a dumped document "
        "describes a past run.",
        "<domain type='xen' id='18'>",
        "Nothing to do; remove the id attribute to silence this note.",
    ),
    Rule(
        codes.XEN406, "value-contains-separator",
        "A value would be split by the comma-separated syntax of an xm entry.",
        "Disk, vif, vfb and serial entries are single strings whose fields are separated "
        "by commas; a comma inside a path, bridge or password would be read as a field "
        "boundary and silently change the device.",
        "<source file='/images/a,b.img'/>",
        "Rename the file, bridge or value so it has no comma.",
    ),
    Rule(
        codes.XEN407, "disk-without-source",
        "A hard disk has no <source>.",
        "Only removable media (cdrom) can be empty; an xm disk entry with no source "
        "leaves Xen nothing to attach.",
        "<disk type='file' device='disk'><target dev='hda'/></disk>",
        "Add <source file='…'/> (type file) or <source dev='…'/> (type block).",
    ),
    Rule(
        codes.XEN408, "disk-driver-unsupported",
        "<driver name=…> is not a Xen block backend.",
        "The driver name becomes the prefix of the xm disk entry (file:, phy:, tap:, "
        "tap2:); other names, such as QEMU's 'qemu', make xend reject the disk.",
        "<driver name='qemu' type='qcow2'/>",
        "Use name='file', 'phy', 'tap' or 'tap2', or drop the <driver> element.",
    ),
    Rule(
        codes.XEN409, "disk-driver-type-ignored",
        "<driver type=…> can't be written for this driver and is ignored.",
        "xm only carries an image format for the blktap drivers (tap:qcow:…); for file: "
        "and phy: the format is implied, so a requested format would be lost.",
        "<driver name='file' type='qcow2'/>",
        "Use <driver name='tap' type='qcow2'/> for formatted images, or drop the type.",
    ),
    Rule(
        codes.XEN410, "disk-bus-not-expressible",
        "A disk's <target bus> can't be expressed; Xen picks the bus from the device name.",
        "xm disk entries have no bus field. Xen emulates IDE for hd*, SCSI for sd* and "
        "paravirtual disks for xvd*; virtio and usb buses don't exist there.",
        "<target dev='vda' bus='virtio'/>",
        "Use a target name for the bus you want: hda (IDE), sda (SCSI) or xvda (Xen PV).",
    ),
    Rule(
        codes.XEN411, "floppy-not-expressible",
        "A floppy disk that xm can't describe.",
        "xm carries floppies only for HVM guests, as the image paths in the fda and fdb "
        "keys; paravirtualized guests have no floppy controller, and an empty drive or "
        "a third drive has no key.",
        "<disk type='file' device='floppy'><source file='/f.img'/><target dev='fdc'/></disk>",
        "Use target fda or fdb with a source image on an HVM guest, or remove the floppy.",
    ),
    Rule(
        codes.XEN412, "floppy-readonly-ignored",
        "A floppy's <readonly/> can't be written and is ignored.",
        "The fda/fdb keys hold only a path; the image is attached writable.",
        "<disk device='floppy'>…<readonly/></disk>",
        "Make the image file read-only on the host if it must not change.",
    ),
    Rule(
        codes.XEN413, "graphics-extra",
        "More than one <graphics> device; only the first is written.",
        "An xm config describes one display (vnc or sdl keys, or one vfb entry).",
        "<graphics type='vnc'/><graphics type='sdl'/>",
        "Keep one <graphics> element.",
    ),
    Rule(
        codes.XEN414, "vnc-port-invalid",
        "A VNC port below 5900 that is not -1.",
        "xm sets the VNC display number (port - 5900); a lower port has no display number.",
        "<graphics type='vnc' port='5000'/>",
        "Use a port of 5900 or above, or port='-1' to let Xen choose.",
    ),
    Rule(
        codes.XEN415, "input-not-expressible",
        "An <input> device that xm can't describe is ignored.",
        "HVM guests get one USB device through usb/usbdevice and an implicit PS/2 mouse; "
        "paravirtualized guests get an implicit Xen mouse and keyboard. Anything else has "
        "no key.",
        "<input type='tablet' bus='usb'/> on a paravirtualized guest",
        "Remove the input device, or keep a single USB mouse or tablet on an HVM guest.",
    ),
    Rule(
        codes.XEN416, "char-device-not-expressible",
        "A serial, parallel or console device that xm can't describe is ignored.",
        "Serial and parallel ports are emulated by qemu-dm for HVM guests only, and xm "
        "has one parallel key; paravirtualized guests get a Xen console implicitly.",
        "<serial type='pty'/> on a paravirtualized guest",
        "Remove the device, or move it to an HVM guest.",
    ),
    Rule(
        "XEN417", "char-device-incomplete", codes.E,
        "A character device lacks the path, host or port its type needs.",
        "qemu-dm needs e.g. a path for file/pipe/unix/dev and host and port for tcp/udp; "
        "without them the serial string is meaningless.",
        "<serial type='file'/>",
        "Add <source path='…'/> (or host/service for tcp and udp).",
        retired="SEM220 reports a character device without its path or service before any "
                "backend runs, and the Xen backend no longer checks again.",
    ),
    Rule(
        codes.XEN418, "element-ignored-for-os-type",
        "An element that this kind of guest doesn't use is ignored.",
        "xm has different keys for HVM and paravirtualized guests: HVM boots the "
        "<loader> and emulated boot devices, PV boots <kernel>/<initrd> or a "
        "<bootloader>; pae/acpi/apic exist only for HVM.",
        "<os><type>hvm</type><kernel>/boot/vmlinuz</kernel></os>",
        "Remove the element, or change <os><type> to the kind of guest it belongs to.",
    ),
    Rule(
        codes.XEN419, "hvm-without-loader",
        "An HVM guest has no <os><loader>.",
        "xm boots HVM guests from the firmware in the kernel key (hvmloader); without it "
        "xm create fails.",
        "<os><type>hvm</type></os>",
        "Add <loader>/usr/lib/xen/boot/hvmloader</loader>.",
    ),
    Rule(
        codes.XEN420, "network-script-unsupported",
        "<script> on an <interface type='network'>.",
        "A libvirt network decides how its vifs are plugged in; libvirt rejects a "
        "per-interface script there, and virtc does the same.",
        "<interface type='network'><source network='default'/><script path='x'/></interface>",
        "Remove <script>, or use type='bridge' with the script you need.",
    ),
    Rule(
        codes.XEN421, "vifname-runtime",
        "<target dev='vif…'> is a name Xen assigns at run time and is not written.",
        "Xen names backend vifs vifDOMID.N when a guest starts; such a name in a dumped "
        "document describes a past run, and xend refuses to reuse the prefix.",
        "<target dev='vif3.0'/>",
        "Nothing to do; choose a name without the vif prefix to set one.",
    ),
    Rule(
        codes.XEN422, "text-not-encodable",
        "A value holds text that UTF-8 can't encode.",
        "An xm file is UTF-8 text; a lone surrogate code point has no encoding, so the "
        "file could not be written faithfully.",
        "(only reachable from the API, not from XML)",
        "Fix the value in the document or the calling program.",
    ),
    Rule(
        codes.XEN423, "pv-without-kernel",
        "A paravirtualized guest has neither <os><kernel> nor <bootloader>.",
        "xm create needs a kernel or a bootloader such as pygrub to start a PV guest.",
        "<os><type>linux</type></os>",
        "Add <kernel>…</kernel> or <bootloader>/usr/bin/pygrub</bootloader>.",
    ),
]

# ---------------------------------------------------------------- import (config → XML) and xl

RULES += [
    Rule(
        codes.XEN424, "config-syntax",
        "The xm or xl config can't be parsed.",
        "An xm config is Python source and an xl config follows xl.cfg(5); virtc reads both "
        "without running them, so a syntax error leaves nothing to import.",
        "memory = 512 +",
        "Fix the line shown; xl strings are \"…\" or '…' on one line, keys lower case.",
    ),
    Rule(
        codes.XEN425, "config-not-literal",
        "An xm config statement is not a literal assignment.",
        "xm executes its config as Python, so a config can compute values or run code; "
        "virtc never executes it and accepts only `NAME = literal` (numbers, strings, lists).",
        "memory = 256 * 2",
        "Replace the expression with the value it computes.",
    ),
    Rule(
        codes.XEN426, "config-key-ignored",
        "A config key has no domain XML equivalent in virtc and is not imported.",
        "virtc's domain XML covers the 2007 libvirt format; keys such as cpus, pci or "
        "shadow_memory would be lost, so each one is named rather than dropped silently.",
        "cpus = \"0-3\"",
        "Check the imported domain does without it, or keep the original config.",
    ),
    Rule(
        codes.XEN427, "config-value-invalid",
        "A config value has the wrong type or a value domain XML can't express.",
        "Importing it anyway would change the guest (a wrong memory size, an unknown boot "
        "device or lifecycle action), so nothing is imported.",
        "on_crash = \"reboot\"",
        "Use a value from the domain XML vocabulary, or fix the type (numbers for sizes).",
    ),
    Rule(
        codes.XEN428, "config-entry-field-ignored",
        "A field of a disk, vif, vfb, usbdevice or serial entry has no domain XML equivalent.",
        "Entries such as \"mac=…,bridge=…,rate=10Mb/s\" carry fields the domain XML format "
        "can't hold; the rest of the entry is imported and the field is named.",
        "vif = [ \"bridge=xenbr0,rate=10Mb/s\" ]",
        "Check the imported device does without it.",
    ),
    Rule(
        codes.XEN429, "config-name-missing",
        "The config has no name key.",
        "Every domain needs a name; xm and xl refuse a config without one.",
        "memory = 512   (and no name = …)",
        "Add name = \"guest\".",
    ),
    Rule(
        codes.XEN430, "xl-string-unrepresentable",
        "A value holds a control character an xl string can't carry.",
        "libxlu reads \\n, \\t and a few other escapes, but its \\x and octal escapes drop "
        "the character and a NUL ends the string, so the value would change.",
        "<cmdline>quiet\\x01</cmdline> compiled with --target xen-xl",
        "Remove the control character, or compile for xen-xm, whose Python strings carry it.",
    ),
    Rule(
        codes.XEN431, "config-key-repeated",
        "A config key is assigned more than once; the last value is used.",
        "Both xm (Python) and xl keep the last assignment, which often hides an edit "
        "mistake.",
        "memory = 256 … memory = 512",
        "Keep one assignment of the key.",
    ),
    Rule(
        codes.XEN432, "xml-text-unrepresentable",
        "An imported value holds a character XML 1.0 can't contain.",
        "Domain XML is XML 1.0, which has no way to write most control characters (even as "
        "character references), so the value can't be written faithfully.",
        "name = \"guest\\x01\"",
        "Remove the control character from the config value.",
    ),
    Rule(
        codes.XEN433, "old-xend-cdrom-dropped",
        "A CD-ROM that xend <= 3.0.2's single cdrom key can't carry is dropped.",
        "Before Xen 3.0.3, an HVM guest's CD-ROM is the top-level cdrom key, which holds "
        "one image path for hdc; an empty drive or a second hdc CD-ROM has no place.",
        "<disk device='cdrom'><target dev='hdc'/></disk> with --xen-version 3.0.2",
        "Compile with --xen-version 3.0.3 or later, or give the CD-ROM an image.",
    ),
    Rule(
        codes.XEN440, "not-compiled-for-xen",
        "Valid libvirt XML that virtc does not compile for Xen yet.",
        "libvirt's domain format is much larger than what virtc's xm/xl backend writes. The "
        "document is valid (validate says nothing), but a config that left this element out "
        "would start a different guest than the one described, so virtc writes none.",
        "<controller type='usb' model='qemu-xhci'/>  or  <domain type='lxc'>",
        "Remove the element if the guest can do without it, or start this guest with "
        "libvirt's libxl driver.",
    ),
    Rule(
        codes.XEN441, "host-tuning-not-for-xen",
        "Host-side tuning that xm/xl has no key for is left out.",
        "<numatune>, <memtune>, <blkiotune>, <resource>, <seclabel> and the like tell "
        "libvirt how to place, limit or label the guest on the host. The guest runs the same "
        "without them and the config has no key for them, so virtc leaves them out and says so.",
        "<memtune><hard_limit unit='GiB'>2</hard_limit></memtune>",
        "Apply the tuning on the host if you need it, or remove it to silence the warning.",
    ),
    Rule(
        codes.XEN460, "disk-not-expressible",
        "A disk that the target's disk entry can't describe.",
        "xm entries carry a file or device path only, so a network disk has no spelling "
        "there; xl's target= takes an rbd volume but no other protocol; xl's access= is r, "
        "ro, w or rw (libxlu refuses the shared '!' and 'w!'), and its format= is raw, qcow, "
        "qcow2, vhd or qed. Writing the disk anyway would give the guest another disk, or a "
        "config xl refuses.",
        "<disk type='file'><driver name='qemu' type='vmdk'/>…</disk> compiled with "
        "--target xen-xl",
        "Convert the image to a format Xen reads, drop <shareable/> for xl, or compile for "
        "the target that has the disk's spelling (rbd: xen-xl; w!: xen-xm).",
    ),
    Rule(
        codes.XEN461, "vif-port-not-expressible",
        "A NIC's switch port (<vlan>, <virtualport>) that a vif can't describe.",
        "A vif's bridge= carries Open vSwitch VLANs as bridge.TAG or bridge:TAG:TAG "
        "(libxl's BRIDGE_NAME[.VLAN][:TRUNK:TRUNK]), and only for an openvswitch "
        "<virtualport>: a VLAN on a Linux bridge, or an 802.1Qbg/Qbh or midonet port, has "
        "no vif spelling, and the guest would land on another network.",
        "<interface type='bridge'><source bridge='br0'/><vlan><tag id='42'/></vlan>"
        "</interface>",
        "Add <virtualport type='openvswitch'/> when br0 is an Open vSwitch bridge, or "
        "bridge the guest to a bridge that is on the VLAN.",
    ),
    Rule(
        codes.XEN462, "vif-rate-partial",
        "<bandwidth> settings a vif's rate= can't carry are left out.",
        "A vif takes one rate, the guest's outgoing average (rate=…KB/s, libvirt's "
        "<outbound average>); inbound shaping, peak, burst and floor are host-side tc "
        "settings with no xm/xl key. The guest runs the same, only less throttled.",
        "<bandwidth><inbound average='1000'/></bandwidth>",
        "Keep <outbound average> only, or shape the traffic on the host (tc).",
    ),
    Rule(
        codes.XEN463, "rbd-key-from-keyring",
        "An rbd disk's <auth> secret is not written: the host's Ceph keyring must hold it.",
        "xl passes the rbd target to QEMU as is, and a config file is no place for a "
        "cephx key (libvirt keeps it in a secret object). virtc writes the user "
        "(id=USER:auth_supported=cephx;none), so librbd reads the key from the host's "
        "keyring for client.USER; libvirt's xl driver writes auth_supported=none instead.",
        "<source protocol='rbd' name='pool/image'><auth username='admin'>"
        "<secret type='ceph' usage='ceph-admin'/></auth></source>",
        "Put client.USER's key in /etc/ceph/ceph.client.USER.keyring on every Xen host that "
        "runs the guest.",
    ),
    Rule(
        codes.XEN470, "qemu-only-on-xen",
        "A device or setting only QEMU provides, in a domain compiled for Xen.",
        "TPM emulators, virtio-rng, emulated watchdogs and panic notifiers, vsock, emulated "
        "IOMMUs, virtio-9p/virtiofs shares, USB redirection, smartcards, ivshmem, USB hubs, "
        "virtio-crypto, SEV launch security and the qemu: namespace describe QEMU devices "
        "or QEMU's command line. No xm or xl key carries them, and libvirt's Xen drivers "
        "write nothing for them, so the guest Xen starts would lack them. Unlike XEN440 "
        "(not compiled yet), this won't change: Xen has no such thing.",
        "<tpm model='tpm-tis'><backend type='emulator'/></tpm>  in a <domain type='xen'>",
        "Remove the element (each message names what Xen offers instead, if anything), or "
        "run the guest on QEMU/KVM.",
    ),
    Rule(
        codes.XEN500, "xl-only-controller-on-xm",
        "A Xen PV USB controller or a xenbus limit, compiled for xm.",
        "Xen's PV USB controllers (xl's usbctrl, libvirt's models qusb1 and qusb2) and the "
        "per-guest grant-frame and event-channel limits (max_grant_frames, "
        "max_event_channels) came with xl; xend's config has no key for them, and libvirt's "
        "xm driver writes none. The guest xm starts would have no such controller, or "
        "Xen's default limits.",
        "<controller type='xenbus' maxGrantFrames='64'/>  compiled with --target xen-xm",
        "Compile for --target xen-xl, or remove the controller (the limit).",
    ),
    Rule(
        codes.XEN501, "controller-not-on-xen",
        "A <controller> (or a part of one) that a Xen guest can't have.",
        "A Xen guest's disks sit on xenbus (PV) or on qemu-dm's one IDE controller (HVM), "
        "and its USB controllers are Xen's PV USB ones: SCSI, SATA, virtio-serial, CCID and "
        "ISA controllers, PCI bridges and ports, QEMU's USB models (libvirt's driver: "
        "\"unsupported usb model\"), more than 31 USB ports, a second xenbus, and "
        "vectors=, <driver>, <target>, <master> or <model name> have no xm or xl key. "
        "libvirt writes <controller type='ide' index='0'/> into HVM guests, and a xenbus "
        "without limits into every guest: those compile, as they need no key.",
        "<controller type='scsi' model='virtio-scsi'/>  in a <domain type='xen'>",
        "Remove the controller, or use <controller type='usb' model='qusb2' ports='8'/> for "
        "USB (xl).",
    ),
    Rule(
        codes.XEN502, "device-model-version-mismatch",
        "An xl config's device_model_version disagrees with the device model it names.",
        "Domain XML has no element for the device model's version: libvirt derives it from "
        "<emulator> when it starts the guest (qemu-dm is the traditional device model, "
        "anything else is upstream qemu-xen), and virtc writes device_model_version from "
        "the emulator's name the same way. A config whose version disagrees with its "
        "device_model_override imports to an <emulator> that compiles back with the other "
        "version.",
        "device_model_version = \"qemu-xen\"\ndevice_model_override = "
        "\"/usr/lib/xen/bin/qemu-dm\"",
        "Make the two agree: qemu-dm with \"qemu-xen-traditional\", an upstream QEMU "
        "(qemu-system-i386) with \"qemu-xen\".",
    ),
    Rule(
        codes.XEN503, "usb-address-not-on-xen",
        "A USB host device's <address type='usb'> that xl's usbdev can't carry.",
        "xl places a USB device with usbdev's controller= (the place of a PV USB controller "
        "in the usbctrl list, counted from 0) and port= (1 to that controller's ports). An "
        "address whose bus is no Xen PV USB controller's index, a port behind a hub "
        "('1.2'), or a port the controller doesn't have can't be written, and xl would "
        "put the device elsewhere or refuse it.",
        "<controller type='usb' index='0' model='qusb2' ports='4'/> … <hostdev type='usb'>"
        "…<address type='usb' bus='0' port='6'/></hostdev>",
        "Name a port of one of the guest's qusb controllers, add the controller, or leave "
        "the <address> out (xl takes the first free port).",
    ),
]
