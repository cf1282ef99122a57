"""libvirt's enumerated vocabularies that virtc models: the one source of the schema's
enumerations and of the IR's enums.

An entry is one closed list of values that libvirt's domain format takes somewhere::

    disk-bus    <disk><target bus='…'>    ide scsi virtio xen fdc usb sata sd uml

and it says where it applies:

- `xsd`: the named simpleType (in schemas/domain.xsd or schemas/domain/*.xsd) whose
  `xs:enumeration` list it is. `python tools/vocabulary/generate.py` writes those lists
  from here, and tests/test_vocabulary.py checks that the schema is in sync.
- `where`: the places in a document, as path suffixes. ``disk/target@bus`` is bus= on any
  <target> whose parent is a <disk>; ``domain/on_crash`` is the text of <on_crash>. A place
  belongs to the entry with the longest suffix that matches it. The test finds the same
  places in libvirt's RelaxNG (/usr/share/libvirt/schemas/domain.rng) and compares the
  values; `newer` lists the values libvirt added after 9.0, the grammar the tests run with
  (each has a sample in tests/schema_cases/newer-libvirt/).
- An entry with no places (yes/no, on/off) applies wherever its simpleType is used, and
  `rng` names libvirt's define for it instead.
- `notes`: a remark the schema shows above a value (a group heading, a caveat).

Values are listed in the order a hint shows them ("did you mean …? takes one of: …"):
broadly libvirt's documentation order, with the values of the 2007 format page first where
those were virtc's first vocabulary. libvirt itself has no one order (its C enums, its
grammar and its documentation disagree), so the comparison with libvirt is by set.

IR enums model a subset of an entry: only the members some backend compiles. Lowering
leaves a valid value that the IR enum lacks to the backends, which report it as not
compiled (QEMU320/XEN440). `IR_ENUMS` says which entry each IR enum models; the test
checks every enum of compiler/ir.py, compiler/devices/ and compiler/platform/ against it.

Plain data, cheap to import: no lxml, no dataclasses.
"""
from __future__ import annotations



class Entry:
    """One vocabulary: its values and where they apply (see the module docstring)."""

    __slots__ = ("name", "xsd", "where", "values", "notes", "newer", "rng")

    def __init__(self, name: str, xsd: str, where: tuple[str, ...], values: tuple[str, ...],
                 notes: dict[str, str], newer: dict[str, str], rng: str | None):
        self.name = name
        self.xsd = xsd              # the simpleType's name
        self.where = where          # path suffixes; () = wherever `xsd` is used
        self.values = values
        self.notes = notes          # value -> remark shown above it in the schema
        self.newer = newer          # value -> the libvirt release that added it (after 9.0)
        self.rng = rng              # libvirt's RelaxNG define, for an entry with no places

    def __repr__(self) -> str:
        return f"<vocabulary {self.name}: {' '.join(self.values)}>"


ENTRIES: dict[str, Entry] = {}


def _add(name: str, xsd: str, where: tuple[str, ...], values: tuple[str, ...], *,
         notes: dict[str, str] | None = None, newer: dict[str, str] | None = None,
         rng: str | None = None) -> None:
    ENTRIES[name] = Entry(name, xsd, where, values, notes or {}, newer or {}, rng)


def values(name: str) -> tuple[str, ...]:
    """The values of vocabulary `name`, in order."""
    return ENTRIES[name].values


# Lists that libvirt shares between several places, each with its own simpleType here.
VIRTIO_MODELS = ("virtio", "virtio-transitional", "virtio-non-transitional")
# libvirt's storageFormat: image formats (<driver type>, <format type>, <mirror format>).
STORAGE_FORMATS = ("raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd",
                   "ploop", "luks", "cow", "qcow", "qcow2", "qed", "vmdk")

# ------------------------------------------------------------------ domain.xsd

_add("domain-type", "domainType",
     ("domain@type",),
     ("xen", "kvm", "qemu", "kqemu", "lxc", "uml", "openvz", "test", "vmware", "hyperv",
      "vbox", "phyp", "vz", "bhyve", "hvf"),
     notes={"lxc": "libvirt's other hypervisors: valid documents that no virtc backend "
                   "compiles"})

# ------------------------------------------------------------------ chardev.xsd

_add("char-type", "charType",
     ("devices/channel@type", "devices/console@type", "devices/parallel@type",
      "devices/redirdev@type", "devices/serial@type", "devices/smartcard@type"),
     ("pty", "null", "file", "pipe", "dev", "tcp", "udp", "unix", "stdio", "vc", "spicevmc",
      "spiceport", "nmdm", "qemu-vdagent", "dbus"))
_add("char-source-mode", "charSourceMode",
     ("channel/source@mode", "console/source@mode", "parallel/source@mode",
      "redirdev/source@mode", "serial/source@mode", "smartcard/source@mode"),
     ("bind", "connect"))
_add("char-protocol", "charProtocol",
     ("channel/protocol@type", "console/protocol@type", "parallel/protocol@type",
      "redirdev/protocol@type", "serial/protocol@type", "smartcard/protocol@type"),
     ("raw", "telnet", "telnets", "tls"))
_add("char-target-type", "chardevTargetType",
     ("channel/target@type", "console/target@type", "parallel/target@type",
      "serial/target@type", "smartcard/target@type"),
     ("isa-serial", "usb-serial", "pci-serial", "spapr-vio-serial", "system-serial",
      "sclp-serial", "isa-debug", "serial", "virtio", "xen", "uml", "lxc", "openvz", "sclp",
      "sclplm", "guestfwd"),
     notes={"isa-serial": "serial", "serial": "console",
            "guestfwd": "channel (besides virtio and xen)"})
_add("char-target-model", "chardevTargetModel",
     ("target/model@name",),
     ("isa-serial", "usb-serial", "pci-serial", "spapr-vty", "pl011", "16550a", "sclpconsole",
      "sclplmconsole", "isa-debugcon"))
_add("char-target-state", "chardevTargetState",
     ("channel/target@state", "console/target@state", "parallel/target@state",
      "serial/target@state", "smartcard/target@state"),
     ("connected", "disconnected"))
_add("mouse-mode", "chardevMouseMode",
     ("channel/source/mouse@mode", "console/source/mouse@mode", "graphics/mouse@mode",
      "parallel/source/mouse@mode", "redirdev/source/mouse@mode", "serial/source/mouse@mode",
      "smartcard/source/mouse@mode"),
     ("server", "client"))

# ------------------------------------------------------------------ clock.xsd

_add("clock-offset", "clockOffset",
     ("domain/clock@offset",),
     ("utc", "localtime", "timezone", "variable", "absolute"))
_add("clock-basis", "clockBasis",
     ("domain/clock@basis",),
     ("utc", "localtime"))
_add("clock-adjustment-reset", "clockAdjustmentReset",
     ("domain/clock@adjustment",),
     ("reset",))
_add("clock-timer-name", "clockTimerName",
     ("clock/timer@name",),
     ("platform", "rtc", "tsc", "hpet", "pit", "armvtimer", "kvmclock", "hypervclock"))
_add("clock-timer-track", "clockTimerTrack",
     ("clock/timer@track",),
     ("boot", "guest", "wall", "realtime"))
_add("clock-timer-tickpolicy", "clockTickpolicy",
     ("clock/timer@tickpolicy",),
     ("delay", "merge", "discard", "catchup"))
_add("clock-timer-mode", "clockTscMode",
     ("clock/timer@mode",),
     ("auto", "native", "emulate", "paravirt", "smpsafe"))

# ------------------------------------------------------------------ common.xsd

_add("yes-no", "yesNo", (), ("yes", "no"), rng="virYesNo")
_add("on-off", "onOff", (), ("on", "off"), rng="virOnOff")
_add("address-type", "addressType",
     ("address@type",),
     ("pci", "drive", "virtio-serial", "ccid", "usb", "spapr-vio", "ccw", "isa", "virtio-mmio",
      "dimm", "unassigned"))

# ------------------------------------------------------------------ controller.xsd

_add("controller-type", "controllerType",
     ("devices/controller@type",),
     ("ide", "fdc", "scsi", "sata", "usb", "ccid", "virtio-serial", "xenbus", "pci", "isa"))
_add("controller-model", "controllerModel",
     ("devices/controller@model",),
     ("auto", "buslogic", "lsilogic", "lsisas1068", "vmpvscsi", "ibmvscsi", "virtio-scsi",
      "lsisas1078", "ncr53c90", "dc390", "am53c974", "virtio", "virtio-transitional",
      "virtio-non-transitional", "piix3-uhci", "piix4-uhci", "ehci", "ich9-ehci1",
      "ich9-uhci1", "ich9-uhci2", "ich9-uhci3", "vt82c686b-uhci", "pci-ohci", "nec-xhci",
      "qusb1", "qusb2", "qemu-xhci", "none", "piix3", "piix4", "ich6", "pci-root", "pcie-root",
      "pci-bridge", "dmi-to-pci-bridge", "pcie-to-pci-bridge", "pcie-root-port",
      "pcie-switch-upstream-port", "pcie-switch-downstream-port", "pci-expander-bus",
      "pcie-expander-bus"),
     notes={"auto": "scsi", "virtio": "scsi and virtio-serial", "piix3-uhci": "usb",
            "piix3": "ide", "pci-root": "pci"})
_add("controller-model-name", "controllerModelName",
     ("controller/model@name",),
     ("spapr-pci-host-bridge", "pci-bridge", "i82801b11-bridge", "pcie-pci-bridge", "ioh3420",
      "pcie-root-port", "x3130-upstream", "xio3130-downstream", "pxb", "pxb-pcie"))

# ------------------------------------------------------------------ cpu.xsd

_add("cpu-mode", "cpuMode",
     ("domain/cpu@mode",),
     ("custom", "host-model", "host-passthrough", "maximum"))
_add("cpu-match", "cpuMatch",
     ("domain/cpu@match",),
     ("minimum", "exact", "strict"))
_add("cpu-check", "cpuCheck",
     ("domain/cpu@check",),
     ("none", "partial", "full"))
_add("cpu-model-fallback", "cpuModelFallback",
     ("cpu/model@fallback",),
     ("allow", "forbid"))
_add("cpu-feature-policy", "cpuFeaturePolicy",
     ("cpu/feature@policy",),
     ("force", "require", "optional", "disable", "forbid"))
_add("cpu-cache-level", "cpuCacheLevel",
     ("cpu/cache@level",),
     ("1", "2", "3"))
_add("cpu-cache-mode", "cpuCacheMode",
     ("cpu/cache@mode",),
     ("emulate", "passthrough", "disable"))
_add("cpu-maxphysaddr-mode", "cpuMaxPhysAddrMode",
     ("cpu/maxphysaddr@mode",),
     ("emulate", "passthrough"))
_add("cpu-mem-access", "cpuMemAccess",
     ("numa/cell@memAccess",),
     ("shared", "private"))
_add("cpu-numa-cache-associativity", "cpuNumaCacheAssociativity",
     ("cell/cache@associativity",),
     ("none", "direct", "full"))
_add("cpu-numa-cache-policy", "cpuNumaCachePolicy",
     ("cell/cache@policy",),
     ("none", "writeback", "writethrough"))
_add("cpu-numa-access-type", "cpuNumaAccessType",
     ("interconnects/bandwidth@type", "interconnects/latency@type"),
     ("access", "read", "write"))

# ------------------------------------------------------------------ crypto.xsd

_add("crypto-model", "cryptoModel",
     ("devices/crypto@model",),
     ("virtio",), newer={"virtio": "9.1"})
_add("crypto-type", "cryptoType",
     ("devices/crypto@type",),
     ("qemu",), newer={"qemu": "9.1"})
_add("crypto-backend-model", "cryptoBackendModel",
     ("crypto/backend@model",),
     ("builtin", "lkcf"), newer={"builtin": "9.1", "lkcf": "9.1"})

# ------------------------------------------------------------------ disk.xsd

_add("disk-type", "diskType",
     ("backingStore/backingStore@type", "devices/disk@type", "disk/backingStore@type",
      "disk/mirror@type", "mirror/backingStore@type", "os/nvram@type"),
     ("file", "block", "dir", "network", "volume", "nvme", "vhostuser"))
_add("disk-device", "diskDevice",
     ("devices/disk@device",),
     ("disk", "cdrom", "floppy", "lun"))
_add("disk-bus", "diskBus",
     ("disk/target@bus",),
     ("ide", "scsi", "virtio", "xen", "fdc", "usb", "sata", "sd", "uml"),
     notes={"uml": "User Mode Linux: still in libvirt's grammar, no driver uses it any more"})
_add("disk-model", "diskModel",
     ("devices/disk@model",),
     VIRTIO_MODELS)
_add("disk-snapshot", "diskSnapshot",
     ("devices/disk@snapshot",),
     ("no", "internal", "external", "manual"))
_add("disk-sgio", "diskSgio",
     ("devices/disk@sgio", "devices/hostdev@sgio"),
     ("filtered", "unfiltered"))
_add("storage-format", "diskStorageFormat",
     ("backingStore/format@type", "disk/mirror@format", "mirror/format@type"),
     STORAGE_FORMATS)
_add("disk-driver-type", "diskDriverType",
     ("disk/driver@type",),
     STORAGE_FORMATS + ("aio",))
_add("disk-cache", "diskCache",
     ("disk/driver@cache",),
     ("default", "none", "writeback", "writethrough", "directsync", "unsafe"))
_add("disk-error-policy", "diskErrorPolicy",
     ("disk/driver@error_policy",),
     ("stop", "report", "ignore", "enospace"))
_add("disk-rerror-policy", "diskRerrorPolicy",
     ("disk/driver@rerror_policy",),
     ("stop", "report", "ignore"))
_add("disk-io", "diskIo",
     ("disk/driver@io",),
     ("threads", "native", "io_uring"))
_add("disk-discard", "diskDiscard",
     ("disk/driver@discard",),
     ("unmap", "ignore"))
_add("disk-detect-zeroes", "diskDetectZeroes",
     ("disk/driver@detect_zeroes",),
     ("off", "on", "unmap"))
_add("disk-protocol", "diskProtocol",
     ("backingStore/source@protocol", "disk/source@protocol", "mirror/source@protocol",
      "nvram/source@protocol"),
     ("nbd", "iscsi", "rbd", "sheepdog", "gluster", "vxhs", "nfs", "http", "https", "ftp",
      "ftps", "tftp"))
_add("disk-source-kind", "diskSourceKind",
     ("backingStore/source@type", "disk/source@type", "mirror/source@type",
      "nvram/source@type", "reservations/source@type"),
     ("pci", "unix"))
_add("disk-volume-mode", "diskVolumeMode",
     ("backingStore/source@mode", "disk/source@mode", "mirror/source@mode",
      "nvram/source@mode"),
     ("host", "direct"))
_add("disk-startup-policy", "diskStartupPolicy",
     ("backingStore/source@startupPolicy", "disk/source@startupPolicy",
      "hostdev/source@startupPolicy", "mirror/source@startupPolicy",
      "nvram/source@startupPolicy"),
     ("mandatory", "requisite", "optional"))
_add("disk-host-transport", "diskHostTransport",
     ("source/host@transport",),
     ("tcp", "rdma", "unix"))
_add("disk-auth-secret-type", "diskAuthSecretType",
     ("auth/secret@type",),
     ("ceph", "iscsi"))
_add("disk-encryption-format", "diskEncryptionFormat",
     ("disk/encryption@format", "source/encryption@format"),
     ("default", "qcow", "luks", "luks2"))
_add("disk-encryption-engine", "diskEncryptionEngine",
     ("disk/encryption@engine", "source/encryption@engine"),
     ("qemu", "librbd"))
_add("disk-encryption-secret-type", "diskEncryptionSecretType",
     ("encryption/secret@type",),
     ("passphrase",))
_add("disk-tray", "diskTray",
     ("disk/target@tray",),
     ("open", "closed"))
_add("disk-geometry-trans", "diskGeometryTrans",
     ("disk/geometry@trans",),
     ("auto", "none", "lba"))
_add("disk-mirror-job", "diskMirrorJob",
     ("disk/mirror@job",),
     ("copy", "active-commit"))
_add("disk-mirror-ready", "diskMirrorReady",
     ("disk/mirror@ready",),
     ("yes", "abort", "pivot"))
_add("disk-slice-type", "diskSliceType",
     ("slices/slice@type",),
     ("storage",))
_add("disk-socket-mode", "diskSocketMode",
     ("reservations/source@mode",),
     ("server", "client"))

# ------------------------------------------------------------------ features.xsd

_add("hyperv-mode", "featuresHypervMode",
     ("features/hyperv@mode",),
     ("passthrough", "custom"))
_add("xen-passthrough-mode", "featuresXenPassthroughMode",
     ("xen/passthrough@mode",),
     ("sync_pt", "share_pt"))
_add("capabilities-policy", "featuresCapabilitiesPolicy",
     ("features/capabilities@policy",),
     ("default", "allow", "deny"))
_add("gic-version", "featuresGicVersion",
     ("features/gic@version",),
     ("host", "2", "3"))
_add("ioapic-driver", "featuresIoapicDriver",
     ("features/ioapic@driver",),
     ("qemu", "kvm"))
_add("hpt-resizing", "featuresHptResizing",
     ("features/hpt@resizing",),
     ("enabled", "disabled", "required"))
_add("msrs-unknown", "featuresMsrsUnknown",
     ("features/msrs@unknown",),
     ("ignore", "fault"))
_add("spectre-fix", "featuresSpectreFix",
     ("features/cfpc@value", "features/sbbc@value"),
     ("broken", "workaround", "fixed"))
_add("ibs-fix", "featuresIbsFix",
     ("features/ibs@value",),
     ("broken", "workaround", "fixed-ibs", "fixed-ccd", "fixed-na"))

# ------------------------------------------------------------------ filesystem.xsd

_add("filesystem-type", "filesystemType",
     ("devices/filesystem@type",),
     ("mount", "bind", "file", "block", "template", "ram"))
_add("filesystem-access-mode", "filesystemAccessMode",
     ("devices/filesystem@accessmode",),
     ("passthrough", "mapped", "squash"))
_add("filesystem-model", "filesystemModel",
     ("devices/filesystem@model",),
     VIRTIO_MODELS)
_add("filesystem-multidevs", "filesystemMultidevs",
     ("devices/filesystem@multidevs",),
     ("default", "remap", "forbid", "warn"))
_add("filesystem-driver-type", "filesystemDriverType",
     ("filesystem/driver@type",),
     ("path", "handle", "loop", "nbd", "ploop", "virtiofs"))
_add("filesystem-format", "filesystemFormat",
     ("filesystem/driver@format",),
     STORAGE_FORMATS)
_add("filesystem-wrpolicy", "filesystemWrpolicy",
     ("filesystem/driver@wrpolicy",),
     ("immediate",))
_add("filesystem-cache-mode", "filesystemCacheMode",
     ("binary/cache@mode",),
     ("none", "always"))
_add("filesystem-sandbox-mode", "filesystemSandboxMode",
     ("binary/sandbox@mode",),
     ("namespace", "chroot"))

# ------------------------------------------------------------------ general.xsd

_add("sysinfo-type", "generalSysinfoType",
     ("domain/sysinfo@type",),
     ("smbios", "fwcfg"))
_add("sysinfo-bios-entry", "generalSysinfoBiosName",
     ("bios/entry@name",),
     ("vendor", "version", "date", "release"))
_add("sysinfo-system-entry", "generalSysinfoSystemName",
     ("system/entry@name",),
     ("manufacturer", "product", "version", "serial", "uuid", "sku", "family"))
_add("sysinfo-baseboard-entry", "generalSysinfoBaseBoardName",
     ("baseBoard/entry@name",),
     ("manufacturer", "product", "version", "serial", "asset", "location"))
_add("sysinfo-chassis-entry", "generalSysinfoChassisName",
     ("chassis/entry@name",),
     ("manufacturer", "version", "serial", "asset", "sku"))
_add("memory-backing-source-type", "generalMemorySourceType",
     ("memoryBacking/source@type",),
     ("file", "anonymous", "memfd"))
_add("memory-backing-access-mode", "generalMemoryAccessMode",
     ("memoryBacking/access@mode",),
     ("shared", "private"))
_add("memory-backing-allocation-mode", "generalMemoryAllocationMode",
     ("memoryBacking/allocation@mode",),
     ("immediate", "ondemand"))
_add("placement", "generalPlacement",
     ("domain/vcpu@placement", "numatune/memory@placement"),
     ("static", "auto"))
_add("scheduler", "generalScheduler",
     ("cputune/emulatorsched@scheduler", "cputune/iothreadsched@scheduler",
      "cputune/vcpusched@scheduler"),
     ("batch", "idle", "fifo", "rr"))
_add("cachetune-cache-type", "generalCacheType",
     ("cachetune/cache@type",),
     ("both", "code", "data"))
_add("numatune-mode", "generalNumaMode",
     ("numatune/memnode@mode", "numatune/memory@mode"),
     ("strict", "preferred", "interleave", "restrictive"))

# ------------------------------------------------------------------ graphics.xsd

_add("graphics-type", "graphicsType",
     ("devices/graphics@type",),
     ("vnc", "sdl", "spice", "rdp", "desktop", "egl-headless", "dbus"))
_add("graphics-share-policy", "graphicsSharePolicy",
     ("devices/graphics@sharePolicy",),
     ("allow-exclusive", "force-shared", "ignore"))
_add("graphics-connected", "graphicsConnected",
     ("devices/graphics@connected",),
     ("fail", "disconnect", "keep"))
_add("graphics-spice-mode", "graphicsSpiceMode",
     ("devices/graphics@defaultMode", "graphics/channel@mode"),
     ("any", "secure", "insecure"))
_add("graphics-spice-channel-name", "graphicsSpiceChannelName",
     ("graphics/channel@name",),
     ("main", "display", "inputs", "cursor", "playback", "record", "smartcard", "usbredir"))
_add("graphics-image-compression", "graphicsImageCompression",
     ("graphics/image@compression",),
     ("auto_glz", "auto_lz", "quic", "glz", "lz", "off"))
_add("graphics-wan-compression", "graphicsWanCompression",
     ("graphics/jpeg@compression", "graphics/zlib@compression"),
     ("auto", "never", "always"))
_add("graphics-streaming-mode", "graphicsStreamingMode",
     ("graphics/streaming@mode",),
     ("filter", "all", "off"))
_add("graphics-listen-type", "graphicsListenType",
     ("graphics/listen@type",),
     ("address", "network", "socket", "none"))

# ------------------------------------------------------------------ hostdev.xsd

_add("hostdev-source-address-type", "hostdevSourceAddressType",
     ("parentaddr/address@type", "source/address@type"),
     ("pci", "usb"))
_add("hostdev-adapter-type", "hostdevAdapterType",
     ("source/adapter@type",),
     ("scsi_host", "fc_host"))
_add("hostdev-guest-reset", "hostdevGuestReset",
     ("hostdev/source@guestReset",),
     ("off", "uninitialized", "on"))
_add("hostdev-source-protocol", "hostdevSourceProtocol",
     ("hostdev/source@protocol",),
     ("adapter", "iscsi", "vhost"))
_add("hostdev-driver-name", "hostdevDriverName",
     ("hostdev/driver@name",),
     ("kvm", "vfio", "xen"))
_add("hostdev-mode", "hostdevMode",
     ("devices/hostdev@mode",),
     ("subsystem", "capabilities"))
_add("hostdev-type", "hostdevType",
     ("devices/hostdev@type",),
     ("usb", "pci", "scsi", "scsi_host", "mdev", "storage", "misc", "net"))
_add("hostdev-model", "hostdevModel",
     ("devices/hostdev@model",),
     VIRTIO_MODELS + ("vfio-pci", "vfio-ccw",
      "vfio-ap"))

# ------------------------------------------------------------------ hub.xsd

_add("hub-type", "hubType",
     ("devices/hub@type",),
     ("usb",))

# ------------------------------------------------------------------ input.xsd

_add("input-type", "inputType",
     ("devices/input@type",),
     ("mouse", "tablet", "keyboard", "passthrough", "evdev"))
_add("input-bus", "inputBus",
     ("devices/input@bus",),
     ("ps2", "usb", "xen", "virtio"))
_add("input-model", "inputModel",
     ("devices/input@model",),
     VIRTIO_MODELS)
_add("input-grab", "inputGrab",
     ("input/source@grab",),
     ("all",))
_add("input-grab-toggle", "inputGrabToggle",
     ("input/source@grabToggle",),
     ("ctrl-ctrl", "alt-alt", "shift-shift", "meta-meta", "scrolllock", "ctrl-scrolllock"))

# ------------------------------------------------------------------ interface.xsd

_add("interface-type", "interfaceType",
     ("devices/interface@type",),
     ("user", "network", "bridge", "direct", "ethernet", "mcast", "server", "client", "udp",
      "vhostuser", "hostdev", "vdpa", "null", "vds"))
_add("interface-source-mode", "interfaceSourceMode",
     ("interface/source@mode",),
     ("vepa", "bridge", "private", "passthrough", "server", "client"))
_add("interface-addr-family", "interfaceAddrFamily",
     ("hostdev/ip@family", "hostdev/route@family", "interface/ip@family",
      "interface/route@family", "source/ip@family", "source/route@family"),
     ("ipv4", "ipv6"))
_add("interface-mac-table-manager", "interfaceMacTableManager",
     ("interface/source@macTableManager",),
     ("kernel", "libvirt"))
_add("interface-source-type", "interfaceSourceType",
     ("interface/source@type",),
     ("unix",))
_add("interface-teaming-type", "interfaceTeamingType",
     ("hostdev/teaming@type", "interface/teaming@type"),
     ("persistent", "transient"))
_add("interface-mac-type", "interfaceMacType",
     ("interface/mac@type",),
     ("generated", "static"))
_add("interface-backend-type", "interfaceBackendType",
     ("interface/backend@type",),
     ("passt",))
_add("interface-driver-name", "interfaceDriverName",
     ("interface/driver@name",),
     ("qemu", "vhost", "kvm", "vfio", "xen"))
_add("interface-driver-txmode", "interfaceDriverTxmode",
     ("interface/driver@txmode",),
     ("iothread", "timer"))
_add("interface-link-state", "interfaceLinkState",
     ("interface/link@state",),
     ("up", "down"))
_add("interface-vlan-native-mode", "interfaceVlanNativeMode",
     ("vlan/tag@nativeMode",),
     ("tagged", "untagged"))
_add("interface-vlan-trunk", "interfaceVlanTrunk",
     ("interface/vlan@trunk",),
     ("yes",))
_add("interface-virtualport-type", "interfaceVirtualPortType",
     ("interface/virtualport@type",),
     ("802.1Qbg", "802.1Qbh", "openvswitch", "midonet"))
_add("interface-port-forward-proto", "interfacePortForwardProto",
     ("interface/portForward@proto",),
     ("tcp", "udp"))

# ------------------------------------------------------------------ iommu.xsd

_add("iommu-model", "iommuModel",
     ("devices/iommu@model",),
     ("intel", "smmuv3", "virtio"))

# ------------------------------------------------------------------ lifecycle.xsd

_add("lifecycle-action", "lifecycleAction",
     ("domain/on_poweroff", "domain/on_reboot"),
     ("destroy", "restart", "preserve", "rename-restart"))
_add("lifecycle-crash-action", "lifecycleCrashAction",
     ("domain/on_crash",),
     ("destroy", "restart", "preserve", "rename-restart", "coredump-destroy",
      "coredump-restart"))
_add("lifecycle-lockfailure-action", "lifecycleLockfailureAction",
     ("domain/on_lockfailure",),
     ("poweroff", "restart", "pause", "ignore"))
_add("perf-event", "lifecyclePerfEvent",
     ("perf/event@name",),
     ("cmt", "mbmt", "mbml", "cpu_cycles", "instructions", "cache_references", "cache_misses",
      "branch_instructions", "branch_misses", "bus_cycles", "stalled_cycles_frontend",
      "stalled_cycles_backend", "ref_cpu_cycles", "cpu_clock", "task_clock", "page_faults",
      "context_switches", "cpu_migrations", "page_faults_min", "page_faults_maj",
      "alignment_faults", "emulation_faults"))

# ------------------------------------------------------------------ memballoon.xsd

_add("memballoon-model", "memballoonModel",
     ("devices/memballoon@model",),
     VIRTIO_MODELS + ("xen", "none"))

# ------------------------------------------------------------------ memorydev.xsd

_add("memory-model", "memorydevModel",
     ("devices/memory@model",),
     ("dimm", "nvdimm", "virtio-pmem", "virtio-mem", "sgx-epc"))
_add("memory-access", "memorydevAccess",
     ("devices/memory@access",),
     ("shared", "private"))

# ------------------------------------------------------------------ ns-lxc.xsd

_add("lxc-sharenet-type", "lxcShareNetType",
     ("namespace/sharenet@type",),
     ("netns", "name", "pid"))
_add("lxc-share-type", "lxcShareType",
     ("namespace/shareipc@type", "namespace/shareuts@type"),
     ("name", "pid"))

# ------------------------------------------------------------------ ns-qemu.xsd

_add("qemu-deprecation-behavior", "qemuDeprecationBehavior",
     ("domain/deprecation@behavior",),
     ("none", "omit", "reject", "crash"))
_add("qemu-property-type", "qemuPropertyType",
     ("frontend/property@type",),
     ("string", "signed", "unsigned", "bool", "remove"))

# ------------------------------------------------------------------ os.xsd

_add("os-type", "osType",
     ("os/type",),
     ("linux", "xen", "hvm", "xenpvh", "exe"))
_add("os-arch", "osArch",
     ("os/type@arch",),
     ("aarch64", "alpha", "armv6l", "armv7l", "cris", "i686", "ia64", "lm32", "m68k",
      "microblaze", "microblazeel", "mips", "mipsel", "mips64", "mips64el", "openrisc",
      "parisc", "parisc64", "ppc", "ppc64", "ppc64le", "ppcemb", "riscv32", "riscv64", "s390",
      "s390x", "sh4", "sh4eb", "sparc", "sparc64", "unicore32", "x86_64", "xtensa",
      "xtensaeb"))
_add("boot-dev", "bootDev",
     ("os/boot@dev",),
     ("fd", "hd", "cdrom", "network"))
_add("os-firmware", "osFirmware",
     ("domain/os@firmware",),
     ("bios", "efi"))
_add("os-firmware-feature-name", "osFirmwareFeatureName",
     ("firmware/feature@name",),
     ("enrolled-keys", "secure-boot"))
_add("os-loader-type", "osLoaderType",
     ("os/loader@type",),
     ("rom", "pflash"))
_add("os-smbios-mode", "osSmbiosMode",
     ("os/smbios@mode",),
     ("emulate", "host", "sysinfo"))
_add("os-acpi-table-type", "osAcpiTableType",
     ("acpi/table@type",),
     ("slic",))

# ------------------------------------------------------------------ panic.xsd

_add("panic-model", "panicModel",
     ("devices/panic@model",),
     ("isa", "pseries", "hyperv", "s390", "pvpanic"), newer={"pvpanic": "9.1"})

# ------------------------------------------------------------------ redirdev.xsd

_add("redirdev-bus", "redirdevBus",
     ("devices/redirdev@bus",),
     ("usb",))

# ------------------------------------------------------------------ rng.xsd

_add("rng-model", "rngModel",
     ("devices/rng@model",),
     VIRTIO_MODELS)
_add("rng-backend-model", "rngBackendModel",
     ("rng/backend@model",),
     ("random", "egd", "builtin"))
_add("rng-backend-type", "rngBackendType",
     ("rng/backend@type",),
     ("dev", "file", "pipe", "unix", "tcp", "udp", "null", "stdio", "vc", "pty", "spicevmc",
      "spiceport", "nmdm", "qemu-vdagent", "dbus"))
_add("rng-protocol", "rngProtocolType",
     ("backend/protocol@type",),
     ("raw", "telnet", "telnets", "tls"))
_add("rng-mouse-mode", "rngMouseMode",
     ("backend/source/mouse@mode",),
     ("server", "client"))

# ------------------------------------------------------------------ security.xsd

_add("seclabel-type", "securitySeclabelType",
     ("domain/seclabel@type",),
     ("dynamic", "static", "none"))
_add("keywrap-cipher", "securityCipherName",
     ("keywrap/cipher@name",),
     ("aes", "dea"))
_add("launch-security-type", "securityLaunchType",
     ("domain/launchSecurity@type",),
     ("sev", "s390-pv"))

# ------------------------------------------------------------------ shmem.xsd

_add("shmem-role", "shmemRole",
     ("devices/shmem@role",),
     ("master", "peer"))
_add("shmem-model-type", "shmemModelType",
     ("shmem/model@type",),
     ("ivshmem", "ivshmem-plain", "ivshmem-doorbell"))

# ------------------------------------------------------------------ smartcard.xsd

_add("smartcard-mode", "smartcardMode",
     ("devices/smartcard@mode",),
     ("host", "host-certificates", "passthrough"))

# ------------------------------------------------------------------ sound.xsd

_add("sound-model", "soundModel",
     ("devices/sound@model",),
     ("sb16", "es1370", "pcspk", "ac97", "ich6", "ich7", "ich9", "usb"))
_add("sound-codec-type", "soundCodecType",
     ("sound/codec@type",),
     ("duplex", "micro", "output"))
_add("audio-type", "soundAudioType",
     ("devices/audio@type",),
     ("none", "alsa", "coreaudio", "jack", "oss", "pulseaudio", "sdl", "spice", "file",
      "dbus"))
_add("audio-sdl-driver", "soundSdlDriver",
     ("devices/audio@driver",),
     ("esd", "alsa", "arts", "pulseaudio"))
_add("audio-format", "soundFormat",
     ("input/settings@format", "output/settings@format"),
     ("s8", "u8", "s16", "u16", "s32", "u32", "f32"))

# ------------------------------------------------------------------ tpm.xsd

_add("tpm-model", "tpmModel",
     ("devices/tpm@model",),
     ("tpm-tis", "tpm-crb", "tpm-spapr", "spapr-tpm-proxy"))
_add("tpm-backend-type", "tpmBackendType",
     ("tpm/backend@type",),
     ("passthrough", "emulator", "external"))
_add("tpm-version", "tpmVersion",
     ("tpm/backend@version",),
     ("1.2", "2.0"))
_add("tpm-source-type", "tpmSourceType",
     ("backend/source@type",),
     ("unix",))
_add("tpm-source-mode", "tpmSourceMode",
     ("backend/source@mode",),
     ("connect",))

# ------------------------------------------------------------------ video.xsd

_add("video-model-type", "videoModelType",
     ("video/model@type",),
     ("vga", "cirrus", "vmvga", "xen", "vbox", "qxl", "virtio", "gop", "none", "bochs",
      "ramfb"))
_add("video-driver-name", "videoDriverName",
     ("video/driver@name",),
     ("qemu", "vhostuser"))
_add("video-vgaconf", "videoVgaconf",
     ("video/driver@vgaconf",),
     ("io", "on", "off"))

# ------------------------------------------------------------------ vsock.xsd

_add("vsock-model", "vsockModel",
     ("devices/vsock@model",),
     VIRTIO_MODELS)

# ------------------------------------------------------------------ watchdog.xsd

_add("watchdog-model", "watchdogModel",
     ("devices/watchdog@model",),
     ("i6300esb", "ib700", "diag288", "itco"), newer={"itco": "9.1"})
_add("watchdog-action", "watchdogAction",
     ("devices/watchdog@action",),
     ("reset", "shutdown", "poweroff", "pause", "none", "dump", "inject-nmi"))


# ------------------------------------------------------------------ the IR's enums

# Which vocabulary each IR enum models, keyed "<module>.<class>" under virtc.compiler
# ("ir.DiskBus", "devices.rng.RngBackendModel"). An enum's values must be a subset of its
# entry's; tests/test_vocabulary.py finds every enum in compiler/ir.py,
# compiler/devices/*.py and compiler/platform/*.py and fails on one that is missing here or strays outside its entry.
IR_ENUMS: dict[str, str] = {
    "ir.DomainType": "domain-type",
    "ir.OsType": "os-type",
    "ir.BootDev": "boot-dev",
    "ir.LifecycleAction": "lifecycle-action",
    "devices.disk.DiskType": "disk-type",
    "devices.disk.DiskDevice": "disk-device",
    "devices.disk.DiskBus": "disk-bus",
    "ir.NetType": "interface-type",
    "devices.graphics.GraphicsType": "graphics-type",
    "platform.clock.ClockOffset": "clock-offset",
    "platform.clock.ClockBasis": "clock-basis",
    "platform.clock.TimerName": "clock-timer-name",
    "platform.clock.TimerTrack": "clock-timer-track",
    "platform.clock.TickPolicy": "clock-timer-tickpolicy",
    "platform.clock.TscMode": "clock-timer-mode",
    "platform.features.HypervMode": "hyperv-mode",
    "platform.features.IoapicDriver": "ioapic-driver",
    "platform.features.XenPassthroughMode": "xen-passthrough-mode",
    "devices.input.InputType": "input-type",
    "devices.input.InputBus": "input-bus",
    "devices.input.InputModel": "input-model",
    "devices.input.GrabToggle": "input-grab-toggle",
    "devices.chardev.CharType": "char-type",
    "devices.chardev.CharMode": "char-source-mode",
    "devices.chardev.CharProtocol": "char-protocol",
    "devices.controller.ControllerType": "controller-type",
    "devices.controller.ControllerModel": "controller-model",
    "devices.controller.PciModelName": "controller-model-name",
    "devices.video.VideoType": "video-model-type",
    "devices.video.VideoDriverName": "video-driver-name",
    "devices.video.VgaConf": "video-vgaconf",
    "devices.memballoon.BalloonModel": "memballoon-model",
    "devices.rng.RngModel": "rng-model",
    "devices.rng.RngBackendModel": "rng-backend-model",
    "devices.rng.EgdType": "rng-backend-type",
    "devices.graphics.ListenType": "graphics-listen-type",
    "devices.graphics.MouseMode": "mouse-mode",
    "devices.graphics.SpiceMode": "graphics-spice-mode",
    "devices.graphics.SpiceChannelName": "graphics-spice-channel-name",
    "devices.graphics.ImageCompression": "graphics-image-compression",
    "devices.graphics.WanCompression": "graphics-wan-compression",
    "devices.graphics.StreamingMode": "graphics-streaming-mode",
    "devices.redirdev.RedirBus": "redirdev-bus",
    "devices.smartcard.SmartcardMode": "smartcard-mode",
    "devices.sound.SoundModel": "sound-model",
    "devices.sound.CodecType": "sound-codec-type",
    "devices.audio.AudioType": "audio-type",
    "devices.audio.SdlDriver": "audio-sdl-driver",
    "devices.audio.AudioFormat": "audio-format",
    "devices.hostdev.HostdevMode": "hostdev-mode",
    "devices.hostdev.HostdevType": "hostdev-type",
    "devices.hostdev.HostdevDriverName": "hostdev-driver-name",
    "devices.channel.ChannelTargetType": "char-target-type",
    "devices.tpm.TpmModel": "tpm-model",
    "devices.tpm.TpmBackendType": "tpm-backend-type",
    "devices.memory.MemoryModel": "memory-model",
    "devices.memory.MemoryAccessMode": "memory-access",
    "memory.MemorySource": "memory-backing-source-type",
    "memory.MemoryAccess": "memory-backing-access-mode",
    "memory.AllocationMode": "memory-backing-allocation-mode",
    "devices.watchdog.WatchdogModel": "watchdog-model",
    "devices.watchdog.WatchdogAction": "watchdog-action",
    "devices.panic.PanicModel": "panic-model",
    "devices.filesystem.FsType": "filesystem-type",
    "devices.filesystem.FsAccessMode": "filesystem-access-mode",
    "devices.filesystem.FsModel": "filesystem-model",
    "devices.filesystem.FsMultidevs": "filesystem-multidevs",
    "devices.filesystem.FsDriverType": "filesystem-driver-type",
    "platform.cpu.VcpuPlacement": "placement",
    "platform.cpu.CpuMode": "cpu-mode",
    "platform.cpu.CpuMatch": "cpu-match",
    "platform.cpu.CpuCheck": "cpu-check",
    "platform.cpu.ModelFallback": "cpu-model-fallback",
    "platform.cpu.FeaturePolicy": "cpu-feature-policy",
    "platform.cpu.CacheMode": "cpu-cache-mode",
    "platform.cpu.MemAccess": "cpu-mem-access",
    "devices.vsock.VsockModel": "vsock-model",
    "devices.shmem.ShmemModel": "shmem-model-type",
    "devices.shmem.ShmemRole": "shmem-role",
    "devices.iommu.IommuModel": "iommu-model",
}

# IR enums that model no value list, with the reason.
IR_ENUMS_WITHOUT_VOCABULARY: dict[str, str] = {
    "devices.chardev.CharKind": "which element a character device came from (<serial>, <parallel>, "
                   "<console>): element names, which the schema declares as elements",
}
