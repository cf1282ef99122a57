"""Rules of `virtc run` (RUN6xx): what plain QEMU needs on the host that virtc can't
prepare. Each is reported before anything starts, so a failed run leaves nothing behind."""
from . import Rule, codes

RULES = [
    Rule(codes.RUN601, "run-needs-privileges",
         "The guest needs something on the host that only a privileged process can make: a "
         "tap device (<interface type='ethernet'>) when virtc runs without root, or a tap in "
         "a bridge (type='bridge' or 'network') that doesn't exist or that "
         "qemu-bridge-helper may not use. (A macvtap device, type='direct', doesn't compile "
         "at all: QEMU430.)",
         "libvirtd runs as root and makes these devices before QEMU starts; `virtc run` takes "
         "no privileges of its own, and QEMU would fail at start with a less clear message.",
         "<interface type='ethernet'><target dev='vnet0'/></interface>, run by a user "
         "other than root",
         "use <interface type='user'> (no privileges needed); for a bridge, create it and "
         "allow it in /etc/qemu/bridge.conf (`allow br0`) for qemu-bridge-helper; for a tap, "
         "run virtc as root or start the guest with libvirt"),
    Rule(codes.RUN602, "run-helper-missing",
         "A program the guest's devices need is not installed: swtpm for an emulated TPM.",
         "libvirt starts one per guest; without it QEMU can't connect to its TPM.",
         "<tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm> on a host without "
         "swtpm",
         "install it (Debian: apt-get install swtpm), or remove the device"),
    Rule(codes.RUN603, "run-file-missing",
         "A file the guest starts from is missing: the NVRAM template to copy when the "
         "<nvram> file doesn't exist yet.",
         "libvirt makes the UEFI variable store from its template on first start; without "
         "either file the firmware has no variables to boot with.",
         "<nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'>/var/lib/vm/nvram.fd</nvram> on a "
         "host without OVMF",
         "install the firmware package (Debian: ovmf), or point template= at an existing file"),
    Rule(codes.RUN604, "run-helper-failed",
         "A helper (swtpm) exited or did not open its socket in time, or a directory or file "
         "could not be made.",
         "QEMU would fail to connect to it; virtc stops what it started and starts nothing "
         "more.",
         "swtpm refusing a state directory it can't write",
         "read the helper's message in the diagnostic; fix its cause and run again"),
    Rule(codes.RUN605, "run-vhostuser-socket-missing",
         "An <interface type='vhostuser'> in client mode (QEMU connects) whose socket doesn't"
         " exist, and which doesn't reconnect.",
         "The vhost-user back end (a switch such as OVS-DPDK, or a test daemon) must listen"
         " first; QEMU would stop at start with \"Failed to connect to …: No such file or"
         " directory\".",
         "<source type='unix' path='/run/openvswitch/vhu0.sock' mode='client'/> with nothing"
         " listening there",
         "start the back end first, or add <reconnect enabled='yes' timeout='5'/> so that"
         " QEMU waits for it"),
    Rule(codes.RUN606, "run-forwarded-port-busy",
         "A user-mode NIC's <portForward> asks for a host port that something else on the"
         " host already holds.",
         "QEMU would stop at start: \"Could not set up host forwarding rule\".",
         "<portForward proto='tcp'><range start='22'/></portForward> on a host running sshd",
         "forward from a free port (<range start='2222' to='22'/>), or stop what holds it"),
    Rule(codes.RUN607, "run-link-state-failed",
         "virtc could not set a NIC's <link state='down'> over QMP after QEMU started.",
         "QEMU has no command-line option for it; like libvirt, `virtc run` starts QEMU"
         " paused and sets the link with QMP set_link before the guest runs. If that fails,"
         " the guest would see a link the XML says is down, so virtc stops QEMU.",
         "<interface type='user'><link state='down'/></interface> with a QEMU that refuses"
         " set_link",
         "read QEMU's answer in the message; run again, or remove <link state='down'/>"),
]
