"""The documentation of the interface family's rules (interface.py declares the codes):
what each catches, why it matters, an example and the fix, for `virtc rules`."""
from __future__ import annotations

from .interface import (QEMU430, QEMU431, QEMU432, QEMU433, QEMU434, QEMU436, QEMU437,
                        SEM315, SEM316, SEM317, SEM318)


def rules():
    from ..rules import Rule

    return (
        Rule(SEM315, "port-forward-needs-passt",
             "A <portForward> on an interface that libvirt can't forward ports for: libvirt"
             " accepts it only on <interface type='user'> with <backend type='passt'/>.",
             "libvirt refuses the domain (\"The <portForward> element can only be used with"
             " <interface type='user'> and its 'passt' backend\"). virtc compiles it to QEMU's"
             " own hostfwd= on a user-mode NIC, so the document runs under virtc but not under"
             " libvirt.",
             "<interface type='user'><portForward proto='tcp'><range start='2222' to='22'/>"
             "</portForward></interface>",
             "add <backend type='passt'/> to the user-mode interface (libvirt then runs passt)"),
        Rule(SEM316, "udp-interface-without-local",
             "An <interface type='udp'> whose <source> has no <local address port/>.",
             "A udp tunnel sends to the <source> address and port and receives on its local"
             " one; libvirt refuses the interface without it, and QEMU's -netdev socket,udp="
             " needs localaddr=.",
             "<interface type='udp'><source address='127.0.0.1' port='5555'/></interface>",
             "add <local address='127.0.0.1' port='5556'/> inside <source>"),
        Rule(SEM317, "vhostuser-needs-virtio",
             "An <interface type='vhostuser'> whose model is not virtio.",
             "vhost-user hands the NIC's virtqueues to another process, so only virtio-net can"
             " use it; libvirt refuses the domain (\"vhostuser requires the virtio-net*"
             " frontend\").",
             "<interface type='vhostuser'><source type='unix' path='/tmp/vu.sock'"
             " mode='client'/><model type='e1000'/></interface>",
             "write <model type='virtio'/>"),
        Rule(SEM318, "nic-queue-size-not-power-of-two",
             "A virtio NIC's <driver rx_queue_size> or tx_queue_size that is not a power of"
             " two.",
             "virtio rings have power-of-two sizes; libvirt refuses the domain (\"rx_queue_size"
             " has to be a power of two\") and QEMU refuses the device.",
             "<driver rx_queue_size='1000'/>",
             "use 256, 512 or 1024"),
        Rule(QEMU430, "direct-interface-needs-macvtap",
             "An <interface type='direct'>: a macvtap device on a host interface.",
             "Only a privileged process can create a macvtap device; libvirtd makes it and"
             " passes QEMU its file descriptor, which no command line a person can run has."
             " virtc takes no privileges (`virtc run` neither).",
             "<interface type='direct'><source dev='eth0' mode='bridge'/></interface>",
             "use <interface type='bridge'> on a bridge qemu-bridge-helper may use, or"
             " type='user' (no privileges needed); or start the guest with libvirt"),
        Rule(QEMU431, "link-state-needs-monitor",
             "A NIC with <link state='down'/>.",
             "QEMU has no command-line option for a NIC's link state: libvirt starts QEMU"
             " paused and sets the link down over QMP (set_link) before the guest runs. The"
             " compiled argv starts with the link up; `virtc run` sets it down as libvirt"
             " does.",
             "<interface type='user'><link state='down'/></interface>",
             "run the guest with `virtc run`, or send QMP set_link with up=false to the NIC's"
             " id before the guest runs (start QEMU with -S)"),
        Rule(QEMU432, "vhostuser-needs-shared-memory",
             "An <interface type='vhostuser'> in a guest whose memory is not shared.",
             "The vhost-user back end (a switch such as OVS-DPDK) reads and writes the NIC's"
             " buffers in guest memory; QEMU must map the guest RAM shared for that, or the"
             " NIC moves no packets.",
             "<interface type='vhostuser'>… without <memoryBacking><access mode='shared'/>",
             "add <memoryBacking><source type='memfd'/><access mode='shared'/>"
             "</memoryBacking>"),
        Rule(QEMU433, "nic-setting-ignored",
             "A NIC setting that this model or back end has no place for: virtio-net settings"
             " (<driver queues> and offloads, queue sizes, <mtu>) on another model, multiqueue"
             " or vhost on a bridge that qemu-bridge-helper opens.",
             "libvirt puts these on the tap it opens itself or on virtio-net's properties;"
             " QEMU has nowhere to put them here, so the guest runs without them.",
             "<model type='e1000'/><driver queues='4'/>",
             "use <model type='virtio'/>, or type='ethernet' for a multiqueue or vhost tap"),
        Rule(QEMU434, "null-interface-has-no-peer",
             "An <interface type='null'>: a NIC connected to nothing.",
             "libvirt's QEMU driver refuses type='null'; virtc gives the guest the NIC without"
             " a -netdev, which QEMU accepts with a warning (\"has no peer\"): the guest sees"
             " a NIC whose packets go nowhere.",
             "<interface type='null'><model type='virtio'/></interface>",
             "nothing, if a disconnected NIC is what you mean; else use type='user'"),
        Rule(QEMU436, "port-forward-not-expressible",
             "A <portForward> that QEMU's hostfwd= can't express: bound to a host interface"
             " (dev=), an IPv6 address, a <range> without start=, or ports outside 1-65535.",
             "QEMU 7.2's user-mode stack forwards IPv4 ports from an address; passt (libvirt's"
             " back end for <portForward>) can do more. Forwarding fewer ports than asked"
             " would change what reaches the guest.",
             "<portForward proto='tcp' dev='eth0'><range start='22'/></portForward>",
             "forward from an IPv4 address or from all addresses, with explicit ports"),
        Rule(QEMU437, "passt-replaced-by-slirp",
             "An <interface type='user'> with <backend type='passt'/>.",
             "libvirt runs a passt process for it; virtc uses QEMU's built-in user-mode stack"
             " (slirp) with the same forwarded ports, which needs no helper. The guest's"
             " addresses are slirp's (10.0.2.0/24 unless <ip> says otherwise), not the host's"
             " as passt gives them.",
             "<interface type='user'><backend type='passt'/>…</interface>",
             "nothing, if slirp's addresses suit the guest; else start it with libvirt"),
    )
