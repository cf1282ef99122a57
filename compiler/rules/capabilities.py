"""Rules of the capabilities family (CAP5xx): a domain asks for what the host does not offer,
a capabilities document is incomplete, or probing the host went wrong."""
from . import Rule, codes

RULES = [
    Rule(codes.CAP501, "os-type-not-offered",
         "No guest in the capabilities document has the domain's os type.",
         "A host that offers only paravirtualized Xen guests cannot run a fully virtualized "
         "(hvm) one, and a QEMU host cannot run a Xen PV kernel; the define would fail there.",
         "<os><type>hvm</type></os> checked against a host that lists only <os_type>xen</os_type>",
         "Change <type> to an os type the host lists, or check against the host that will "
         "run the guest."),
    Rule(codes.CAP502, "arch-not-offered",
         "No guest of the domain's os type has the arch in <type arch=…>.",
         "Each arch needs its own emulator (qemu-system-ppc for ppc); a host without it "
         "cannot start the guest.",
         "<type arch='ppc'>hvm</type> on a host that lists only x86_64 and i686",
         "Use an offered arch, or install the emulator for the arch and re-run "
         "`virtc capabilities`."),
    Rule(codes.CAP503, "domain-type-not-offered",
         "The <domain type=…> is not offered for the guest's os type and arch.",
         "kvm needs /dev/kvm and an emulator whose arch matches the host; xen needs a Xen "
         "host. Without them the hypervisor refuses the domain.",
         "<domain type='kvm'> on a host whose x86_64 guest lists only <domain type='qemu'/>",
         "Use an offered domain type (qemu runs anywhere, without acceleration), or enable "
         "KVM on the host."),
    Rule(codes.CAP504, "machine-not-offered",
         "The machine in <type machine=…> is not listed for the guest.",
         "QEMU exits at start with \"unsupported machine type\"; machine names change "
         "between QEMU versions (pc-i440fx-7.2 exists only from 7.2 on).",
         "<type arch='x86_64' machine='pc-q35-9.9'>hvm</type>",
         "Use a machine the host lists (the message names them), or drop machine= to take "
         "the host's default."),
    Rule(codes.CAP505, "emulator-not-offered",
         "The <emulator> path is not listed for the guest's os type, arch and domain type.",
         "A path the host does not have (or one for another arch) cannot start the guest.",
         "<emulator>/usr/local/bin/qemu-system-x86_64</emulator> on a host that lists "
         "/usr/bin/qemu-system-x86_64",
         "Use a listed emulator, or remove <emulator> so the host's default is used."),
    Rule(codes.CAP506, "feature-not-offered",
         "A domain feature (pae, acpi, apic) is not offered for the guest, or cannot be "
         "turned on.",
         "A feature the guest's emulator cannot provide is refused or silently missing in "
         "the guest.",
         "<features><pae/></features> for a 32-bit guest whose <features> lists no <pae/>",
         "Remove the feature from <features>, or run the guest where the host offers it."),
    Rule(codes.CAP507, "capabilities-arch-incomplete",
         "A guest <arch> in a capabilities document has no <wordsize> or no <domain>, or "
         "repeats <wordsize>, <emulator> or <loader>.",
         "Without a word size or a domain type the guest cannot be matched; with two emulators "
         "there is no way to tell which one is meant.",
         "<arch name='x86_64'><emulator>/usr/bin/qemu-system-x86_64</emulator></arch>",
         "Give each <arch> one <wordsize>, at most one <emulator> and <loader>, and at least "
         "one <domain type=…/>."),
    Rule(codes.CAP510, "emulator-probe-failed",
         "An emulator found on this host could not be queried; it is left out of the "
         "capabilities.",
         "`qemu-system-* -machine help` failing usually means a broken install or a "
         "wrapper script; virtc does not guess what such an emulator offers.",
         "virtc capabilities --emulator /usr/local/bin/qemu-broken",
         "Run the emulator with `-machine help` by hand to see why it fails; fix or remove it."),
    Rule(codes.CAP511, "emulator-probe-timeout",
         "An emulator did not answer within the probe timeout; it is left out of the "
         "capabilities.",
         "Probing never waits forever: a hanging emulator (waiting on a terminal, a lock or a "
         "network file system) would hang every `virtc capabilities` run.",
         "virtc capabilities --emulator /opt/qemu/bin/qemu-system-x86_64  (which hangs)",
         "Run the emulator with `-machine help` by hand; fix whatever it waits for."),
    Rule(codes.CAP512, "no-emulator-found",
         "Discovery found no QEMU emulator and no Xen host: the document lists no guests.",
         "Every domain checked against a document with no guests fails; this is usually a "
         "PATH problem rather than a host without emulators.",
         "PATH=/nonexistent virtc capabilities",
         "Install QEMU (Debian: qemu-system-x86), fix PATH, or name emulators with --emulator."),
]
