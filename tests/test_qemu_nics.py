"""NICs as libvirt means them, in real QEMU: every model and back end virtc writes starts in
qemu-system-x86_64 (paused, TCG), and QEMU itself says what it built: `info network` gives
each NIC's id, model, MAC and peer, QOM the virtio-net properties, and the host's side is
probed (a forwarded port accepts connections, a socket server is listening, a tap ran its
script, a vhost-user back end got its handshake).

The documents are tests/nic_cases/*.xml; their argvs and diagnostics are frozen in
tests/__snapshots__/test_qemu_nics.ambr once checked here. Expected values come from the
XML (and libvirt's qemuBuildNicDevProps for how each setting is spelled), never from
virtc's own output.
"""
from __future__ import annotations

import os
import pathlib
import socket
import struct
import threading

import pytest

import qemu_harness as harness
from goldens import ROOT, SNAPSHOT_QEMU_VERSION, rel
from virtc.cli.report.text import format_one
from virtc.pipeline import CompileOptions, compile_loaded, load_bytes

CASES = ROOT / "tests" / "nic_cases"
needs_qemu = [pytest.mark.qemu, harness.needs_qemu]


def compile_doc(text: str, name: str = "doc.xml", version: str = SNAPSHOT_QEMU_VERSION):
    loaded = load_bytes(text.encode(), name)
    compiled = compile_loaded(loaded, CompileOptions("qemu", qemu_version=version))
    return compiled.output, [format_one(d) for d in compiled.diagnostics]


def case_text(name: str) -> str:
    return (CASES / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("path", sorted(CASES.glob("*.xml")), ids=lambda p: p.stem)
def test_nic_case_snapshot(path, snapshot):
    argv, diagnostics = compile_doc(path.read_text(encoding="utf-8"), rel(path))
    assert argv is not None, diagnostics
    assert snapshot == {"argv": argv, "diagnostics": diagnostics}


def nic_table(result: harness.QemuResult):
    """`info network` as {NIC id: (model, MAC, [peer lines])}; a multiqueue NIC is listed
    once per queue (its later entries without model and MAC), each with its own peer."""
    table = {}
    for line, peers in result.nics():
        name, _, fields = line.partition(": ")
        values = dict(p.split("=", 1) for p in fields.split(",") if "=" in p)
        if name in table:
            table[name][2].extend(peers)
        else:
            table[name] = (values.get("model"), values.get("macaddr"), list(peers))
    return table


# ------------------------------------------------------------------ q35: models, user, sockets

Q35_QOM = [("/machine/peripheral/net0", prop) for prop in (
    "mq", "vectors", "host_mtu", "rx_queue_size", "tx", "csum", "host_tso4",
    "guest_tso4", "guest_ecn", "bootindex", "acpi-index", "rombar")] + [
    ("/machine/peripheral/net1", "romfile"), ("/machine/peripheral/net1", "rombar")]


@pytest.mark.qemu
@harness.needs_qemu
# 7.2: JSON -netdev and -device, as libvirt writes them; 6.0: both key=value (hostfwd= repeated)
@pytest.mark.parametrize("version", ["6.0", "7.2"])
def test_q35_nics_have_the_models_macs_and_settings_the_xml_meant(version):
    argv, diagnostics = compile_doc(case_text("q35-models.xml"), version=version)
    assert argv is not None, diagnostics
    result, = harness.run_guests([harness.Guest(argv, qom=Q35_QOM)],
                                 probes=[("127.0.0.1", 2222), ("127.0.0.1", 8080),
                                         ("127.0.0.1", 8081), ("127.0.0.1", 8082)])
    assert result.started, result.stderr
    nics = nic_table(result)
    # <model type>: virtio is virtio-net-pci; the others are QEMU's device names.
    assert {name: nics[name][:2] for name in nics} == {
        "net0": ("virtio-net-pci", "52:54:00:10:00:01"),
        "net1": ("e1000e", "52:54:00:10:00:02"),
        "net2": ("rtl8139", "52:54:00:10:00:03"),
        "net3": ("e1000", "52:54:00:10:00:04"),
        "net4": ("virtio-net-pci", "52:54:00:10:00:05")}
    # <ip address='172.17.2.0' prefix='24'>: the user-mode network (libvirt's net=).
    assert any("type=user" in p and "net=172.17.2.0" in p for p in nics["net0"][2])
    assert any("mcast=230.0.0.1:5558" in p for p in nics["net2"][2]), nics["net2"]
    assert any("socket: udp=127.0.0.1:5555" in p for p in nics["net3"][2]), nics["net3"]
    assert nics["net4"][2] == []                      # type='null': no peer at all
    assert "nic net4 has no peer" in result.stderr
    # <portForward>: 2222 and 8080..8082 forwarded from 127.0.0.1, minus the excluded 8081.
    assert result.probes["127.0.0.1:2222"].startswith("connected"), result.probes
    assert result.probes["127.0.0.1:8080"].startswith("connected"), result.probes
    assert result.probes["127.0.0.1:8082"].startswith("connected"), result.probes
    assert result.probes["127.0.0.1:8081"].startswith("error"), result.probes
    qom = {key.split()[1] if key.startswith("/machine/peripheral/net0") else key: value
           for key, value in result.qom.items()}
    # <driver queues='2' …>, <mtu>, <boot order>, <acpi index>, <rom bar='off'>
    assert qom["mq"] is True and qom["vectors"] == 2 * 2 + 2
    assert (qom["rx_queue_size"], qom["host_mtu"]) == (512, 9000)
    assert qom["tx"] == "bh"                           # txmode='iothread'
    assert (qom["csum"], qom["host_tso4"], qom["guest_tso4"], qom["guest_ecn"]) == (
        False, False, False, False)
    assert (qom["bootindex"], qom["acpi-index"], qom["rombar"]) == (1, 7, 0)
    # <rom enabled='no'>: no ROM file at all.
    assert result.qom["/machine/peripheral/net1 romfile"] == ""


# ------------------------------------------------------------------ pc: bridge, tap, tcp sockets

@pytest.mark.qemu
@harness.needs_qemu
@pytest.mark.skipif(not os.path.exists("/dev/net/tun"), reason="no /dev/net/tun on this host")
def test_pc_nics_reach_the_host_through_bridge_tap_and_sockets(tmp_path: pathlib.Path):
    seen_up, seen_down = tmp_path / "up", tmp_path / "down"
    up, down = tmp_path / "ifup", tmp_path / "ifdown"
    up.write_text(f'#!/bin/sh\nprintf %s "$1" > "{seen_up}"\nip link set "$1" up\n')
    down.write_text(f'#!/bin/sh\nprintf %s "$1" > "{seen_down}"\n')
    for script in (up, down):
        script.chmod(0o755)
    text = case_text("pc-host-side.xml").replace("/etc/qemu-ifup-virtc", str(up)) \
        .replace("/etc/qemu-ifdown-virtc", str(down))
    argv, diagnostics = compile_doc(text)
    assert argv is not None, diagnostics
    qom = [("/machine/peripheral/net0", "bootindex"), ("/machine/peripheral/net1", "mq"),
           ("/machine/peripheral/net1", "vectors")]
    result, = harness.run_guests([harness.Guest(argv, qom=qom)], bridges=["br-virtc"],
                                 listeners=[("127.0.0.1", 5561)],
                                 probes=[("127.0.0.1", 5560)])
    assert result.started, result.stderr
    nics = nic_table(result)
    assert {name: nics[name][:2] for name in nics} == {
        "net0": ("virtio-net-pci", "52:54:00:20:00:01"),
        "net1": ("virtio-net-pci", "52:54:00:20:00:02"),
        "net2": ("e1000", "52:54:00:20:00:03"),
        "net3": ("rtl8139", "52:54:00:20:00:04")}
    # type='bridge': qemu-bridge-helper made a tap and put it in br-virtc.
    assert any("type=tap" in p and "br-virtc" in p for p in nics["net0"][2]), nics["net0"]
    # type='ethernet': a two-queue tap named by <target dev>, up by its <script>.
    assert seen_up.read_text() == "vnet-nic1"
    tap_peers = [p for p in nics["net1"][2] if "ifname=vnet-nic1" in p]
    assert len(tap_peers) == 2, nics["net1"]           # one peer per queue
    assert result.qom["/machine/peripheral/net1 mq"] is True
    assert result.qom["/machine/peripheral/net1 vectors"] == 6
    assert result.qom["/machine/peripheral/net0 bootindex"] == 2
    # <downscript> ran when QEMU let go of the tap.
    assert seen_down.read_text() == "vnet-nic1"
    # type='server' listens on its address; type='client' connected to ours.
    assert result.probes["127.0.0.1:5560"].startswith("connected"), result.probes
    assert any("connect to 127.0.0.1:5561" in p for p in nics["net3"][2]), nics["net3"]


SERVER_ON_EVERY_ADDRESS = """<domain type='qemu'>
  <name>server-any</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <interface type='server'>
      <mac address='52:54:00:20:00:09'/>
      <source port='5572'/>
      <model type='e1000'/>
    </interface>
  </devices>
</domain>"""


@pytest.mark.qemu
@harness.needs_qemu
@pytest.mark.parametrize("version", ["7.2", "7.2+libvirt"])
def test_a_server_nic_without_an_address_listens_on_every_address(version):
    """libvirt takes <interface type='server'> with a port and no address (its schema has
    the address optional; libvirt 9.0's `virsh domxml-to-native` accepts such a domain and
    refuses a client, mcast or udp NIC without one): virtc validates it, and QEMU, given
    `listen=:PORT` (key=value, or JSON with the 7.2+libvirt spelling), listens on every
    address: a connection to an address other than loopback reaches it."""
    from qemuopts import options
    import virtc

    assert virtc.validate(SERVER_ON_EVERY_ADDRESS.encode()) == []
    result = virtc.compile(SERVER_ON_EVERY_ADDRESS.encode(), qemu_version=version)
    assert result.ok, [str(d) for d in result.diagnostics]
    (netdev,) = options(result.argv, "-netdev")
    assert (netdev["type"], netdev["listen"]) == ("socket", ":5572")
    run, = harness.run_guests([harness.Guest(result.argv)], addresses=("192.0.2.7",),
                              probes=[("192.0.2.7", 5572)])
    assert run.started, run.stderr
    assert run.probes["192.0.2.7:5572"].startswith("connected"), run.probes
    # and QEMU took the connection: the NIC's peer is the probe
    peers = [peer for _, _, lines in nic_table(run).values() for peer in lines]
    assert any("connection from 192.0.2.7:" in peer for peer in peers), peers


# ------------------------------------------------------------------ vhost-user

# vhost-user messages (QEMU docs/interop/vhost-user.rst) that a paused guest's NIC sends.
GET_FEATURES, GET_PROTOCOL_FEATURES, GET_QUEUE_NUM = 1, 15, 17
F_VERSION_1, F_MRG_RXBUF, F_PROTOCOL_FEATURES = 1 << 32, 1 << 15, 1 << 30
PROTOCOL_F_MQ = 1 << 0


class VhostUserBackend(threading.Thread):
    """The smallest vhost-user net back end: it answers the questions QEMU asks while it
    sets the device up (features, protocol features, queue count) and records every
    request; the guest never runs, so no packet moves."""

    def __init__(self, path: str, queues: int = 2, listen: bool = True):
        super().__init__(daemon=True)
        self.path, self.listen = path, listen
        self.server = socket.socket(socket.AF_UNIX)
        if listen:                  # QEMU is the client (<source mode='client'>)
            self.server.bind(path)
            self.server.listen(1)
            self.server.settimeout(60)
        self.queues = queues
        self.requests = []

    def _connect(self):
        if self.listen:
            return self.server.accept()[0]
        import time

        deadline = time.time() + 60     # QEMU listens (mode='server'): connect once it does
        while True:
            try:
                self.server.connect(self.path)
                return self.server
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)

    def run(self):
        try:
            conn = self._connect()
        except OSError:
            return
        with conn:
            while True:
                try:
                    head, fds, _, _ = socket.recv_fds(conn, 12, 8)
                except OSError:
                    return
                for fd in fds:
                    os.close(fd)
                if len(head) < 12:
                    return
                request, flags, size = struct.unpack("<III", head)
                if size:
                    conn.recv(size, socket.MSG_WAITALL)
                self.requests.append(request)
                answer = {GET_FEATURES: F_VERSION_1 | F_MRG_RXBUF | F_PROTOCOL_FEATURES,
                          GET_PROTOCOL_FEATURES: PROTOCOL_F_MQ,
                          GET_QUEUE_NUM: self.queues}.get(request)
                if answer is not None:
                    conn.sendall(struct.pack("<IIIQ", request, 0x1 | 0x4, 8, answer))


@pytest.mark.qemu
@harness.needs_qemu
def test_vhostuser_nic_connects_to_its_back_end(tmp_path: pathlib.Path):
    sock = str(tmp_path / "vhost-user0.sock")
    backend = VhostUserBackend(sock)
    backend.start()
    text = case_text("q35-vhostuser.xml").replace("/run/virtc-test/vhost-user0.sock", sock)
    argv, diagnostics = compile_doc(text)
    assert argv is not None, diagnostics
    qom = [("/machine/peripheral/net0", "mq"), ("/machine/peripheral/net0", "tx_queue_size")]
    result, = harness.run_guests([harness.Guest(argv, qom=qom)])
    backend.server.close()
    assert result.started, result.stderr
    nics = nic_table(result)
    assert nics["net0"][:2] == ("virtio-net-pci", "52:54:00:30:00:01")
    # <driver queues='2'>: two vhost-user peers, one per queue pair.
    assert sum("vhost-user" in p for p in nics["net0"][2]) == 2, nics["net0"]
    assert result.qom["/machine/peripheral/net0 mq"] is True
    # <driver tx_queue_size='1024'>: QEMU takes it from a vhost-user peer only.
    assert result.qom["/machine/peripheral/net0 tx_queue_size"] == 1024
    assert GET_QUEUE_NUM in backend.requests and GET_FEATURES in backend.requests


# ------------------------------------------------------------------ link state, under virtc run

LINK_GUEST = """<domain type='qemu'>
  <name>virtc-nic-links</name>
  <uuid>5e8a3f4c-7b6d-4f1e-9c2a-0d3b5a7e9f13</uuid>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>{kernel}</kernel>
    <initrd>{initrd}</initrd>
    <cmdline>console=ttyS0 panic=-1 quiet</cmdline>
  </os>
  <features><acpi/><apic/></features>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <controller type='pci' index='0' model='pcie-root'/>
    <interface type='user'>
      <mac address='52:54:00:40:00:01'/>
      <model type='virtio'/>
    </interface>
    <interface type='user'>
      <mac address='52:54:00:40:00:02'/>
      <model type='virtio'/>
      <link state='down'/>
    </interface>
    <serial type='file'>
      <source path='{serial}'/>
      <target type='isa-serial' port='0'/>
    </serial>
    <video><model type='none'/></video>
    <memballoon model='none'/>
  </devices>
</domain>
"""


@pytest.mark.qemu
@harness.needs_qemu
def test_a_guest_under_virtc_run_sees_the_link_the_xml_set_down(tmp_path: pathlib.Path):
    """libvirt sets <link state='down'> over QMP once QEMU runs; so does `virtc run`, and
    the guest's Linux sees no carrier on that NIC only."""
    import subprocess
    import sys

    import linux_guest

    if linux_guest.missing():
        pytest.fail(linux_guest.missing())
    kernel, _ = linux_guest.kernel()
    initrd = linux_guest.build_initramfs(tmp_path / "initrd.gz")
    serial = tmp_path / "serial.log"
    path = tmp_path / "links.xml"
    path.write_text(LINK_GUEST.format(kernel=kernel, initrd=initrd, serial=serial))
    proc = subprocess.run([sys.executable, "-m", "virtc", "run", str(path)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "QEMU431" not in proc.stderr            # run did what the warning asks for
    report = linux_guest.report(serial.read_text(errors="replace"))
    macs = {name: mac for name, mac in report["NET"]}
    carrier = {macs[name]: state for name, state in report["LINK"]}
    assert carrier == {"52:54:00:40:00:01": "1", "52:54:00:40:00:02": "0"}, report


# ------------------------------------------------------------------ virtc run: what it checks

RUN_GUEST = """<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>128</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    {nic}
  </devices>
</domain>
"""


def run_virtc(*args, timeout=60):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "virtc", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.qemu
@harness.needs_qemu
def test_run_refuses_a_forwarded_port_the_host_already_holds(tmp_path: pathlib.Path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        nic = (f"<interface type='user'><portForward proto='tcp' address='127.0.0.1'>"
               f"<range start='{port}' to='22'/></portForward><model type='virtio'/>"
               "</interface>")
        path = tmp_path / "fwd.xml"
        path.write_text(RUN_GUEST.format(name="fwd", nic=nic))
        proc = run_virtc("run", path, "--runtime-dir", tmp_path / "run")
    assert proc.returncode == 1, proc.stderr
    assert f"error: RUN606 <portForward proto='tcp'>: host port {port} can't be forwarded" \
        in proc.stderr
    assert not (tmp_path / "run").exists()         # nothing was started or made


@pytest.mark.qemu
@harness.needs_qemu
def test_run_refuses_a_vhostuser_client_with_nothing_listening(tmp_path: pathlib.Path):
    sock = tmp_path / "nobody.sock"
    nic = (f"<interface type='vhostuser'><source type='unix' path='{sock}' mode='client'/>"
           "<model type='virtio'/></interface>")
    path = tmp_path / "vu.xml"
    path.write_text(RUN_GUEST.format(name="vu", nic=nic))
    proc = run_virtc("run", path, "--runtime-dir", tmp_path / "run")
    assert proc.returncode == 1, proc.stderr
    assert f"error: RUN605 <interface type='vhostuser'>: nothing listens on {sock}" in proc.stderr


@pytest.mark.qemu
@harness.needs_qemu
def test_dry_run_script_sets_the_link_down_and_lets_the_guest_run(tmp_path: pathlib.Path):
    """The printed script starts QEMU paused, sets the link over QMP and continues it: the
    guest is running (query-status through --qmp) once the script's QMP step is done."""
    import json
    import signal
    import subprocess
    import time

    nic = ("<interface type='user'><mac address='52:54:00:40:00:09'/><model type='virtio'/>"
           "<link state='down'/></interface>")
    path = tmp_path / "links.xml"
    path.write_text(RUN_GUEST.format(name="links", nic=nic))
    run_dir, qmp_path = tmp_path / "run", tmp_path / "qmp.sock"
    printed = run_virtc("run", path, "--dry-run", "--qmp", qmp_path, "--runtime-dir", run_dir)
    assert printed.returncode == 0, printed.stderr
    assert "QEMU431" not in printed.stderr
    assert "set_link" in printed.stdout and " -S" in printed.stdout
    script = tmp_path / "start.sh"
    script.write_text(printed.stdout)
    proc = subprocess.Popen(["sh", str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        status = None
        deadline = time.time() + 30
        while time.time() < deadline and status != "running":
            time.sleep(0.2)
            if not qmp_path.exists():
                continue
            with socket.socket(socket.AF_UNIX) as conn:
                try:
                    conn.connect(str(qmp_path))
                except OSError:
                    continue
                reader = conn.makefile("r")
                reader.readline()
                for command in ("qmp_capabilities", "query-status"):
                    conn.sendall(json.dumps({"execute": command}).encode() + b"\n")
                    reply = json.loads(reader.readline())
                    while "event" in reply:
                        reply = json.loads(reader.readline())
                status = reply["return"]["status"]
        assert status == "running", proc.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert not run_dir.exists()


@pytest.mark.qemu
@harness.needs_qemu
def test_other_models_libvirt_passes_through_are_qemus_devices():
    """libvirt gives QEMU any other <model type> as the device's name: ne2k_pci, pcnet,
    vmxnet3, i82551, usb-net (on a USB port of the xhci controller), and virtio's
    transitional variant."""
    argv, diagnostics = compile_doc(case_text("q35-other-models.xml"))
    assert argv is not None, diagnostics
    result, = harness.run_guests([harness.Guest(argv)])
    assert result.started, result.stderr
    nics = nic_table(result)
    assert {name: nics[name][:2] for name in nics} == {
        "net0": ("ne2k_pci", "52:54:00:50:00:01"), "net1": ("pcnet", "52:54:00:50:00:02"),
        "net2": ("vmxnet3", "52:54:00:50:00:03"), "net3": ("i82551", "52:54:00:50:00:04"),
        "net4": ("usb-net", "52:54:00:50:00:05"),
        "net5": ("virtio-net-pci-transitional", "52:54:00:50:00:06")}
    assert "usb-net" in result.qtree.split("dev: qemu-xhci", 1)[1], result.qtree


@pytest.mark.qemu
@harness.needs_qemu
def test_vhostuser_nic_in_server_mode_waits_for_its_back_end(tmp_path: pathlib.Path):
    """<source mode='server'>: QEMU listens on the socket (server=on) and waits for the back
    end to connect before it starts, as libvirt's argv has it."""
    sock = str(tmp_path / "vhost-user0.sock")
    text = case_text("q35-vhostuser.xml").replace("/run/virtc-test/vhost-user0.sock", sock) \
        .replace("mode='client'", "mode='server'").replace(
            "<reconnect enabled='yes' timeout='5'/>", "")
    argv, diagnostics = compile_doc(text)
    assert argv is not None, diagnostics
    assert f"socket,id=charnet0,path={sock},server=on" in argv
    backend = VhostUserBackend(sock, listen=False)
    backend.start()
    result, = harness.run_guests([harness.Guest(argv)])
    assert result.started, result.stderr
    nics = nic_table(result)
    assert nics["net0"][:2] == ("virtio-net-pci", "52:54:00:30:00:01")
    assert sum("vhost-user" in p for p in nics["net0"][2]) == 2, nics["net0"]
    assert GET_FEATURES in backend.requests


@pytest.mark.qemu
@harness.needs_qemu
def test_run_refuses_a_macvtap_nic_before_anything_starts(tmp_path: pathlib.Path):
    nic = ("<interface type='direct'><source dev='eth0' mode='bridge'/>"
           "<model type='virtio'/></interface>")
    path = tmp_path / "direct.xml"
    path.write_text(RUN_GUEST.format(name="direct", nic=nic))
    proc = run_virtc("run", path, "--runtime-dir", tmp_path / "run")
    assert proc.returncode == 1, proc.stderr
    assert "error: QEMU430 <interface type='direct'> is a macvtap device on host interface " \
        "'eth0'" in proc.stderr
    assert "privileged" in proc.stderr and "type='user'" in proc.stderr
    assert "RUN6" not in proc.stderr        # the compile error stops it first
    assert not (tmp_path / "run").exists()
