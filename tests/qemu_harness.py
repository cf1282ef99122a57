"""Run compiled argvs in real QEMU inside private network and mount namespaces, and ask QEMU
(QMP, and HMP through QMP) what it built.

The harness only ADDS to an argv: `-S` for paused guests and a QMP socket. The one rewrite
it makes is `accel=kvm` (or `-accel kvm`) → TCG (and dropping -enable-kvm) when the host has no usable
/dev/kvm, so the KVM golden case still starts on CI runners.

Several guests can share one namespace (`run_guests`): they start in the order given, each
only after the previous one answers on QMP, so a socket server is listening before its
client connects. Guests that aren't paused run until a marker appears in their serial file.

Inside `unshare -n -m` the runner brings lo up, routes multicast to lo, adds the addresses
the guests listen on, creates the bridges they need, and bind-mounts a bridge.conf
(`allow all`) over /etc/qemu for qemu-bridge-helper. Nothing leaves the namespace.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest

QEMU = "qemu-system-x86_64"
REQUIRE = os.environ.get("VIRTC_REQUIRE_QEMU") == "1"


def qemu_path() -> Optional[str]:
    return shutil.which(QEMU)


def _skip_reason() -> Optional[str]:
    # CI sets VIRTC_REQUIRE_QEMU=1: there a missing QEMU must fail the tests, not skip them.
    if REQUIRE:
        return None
    if qemu_path() is None:
        return "qemu-system-x86_64 is not installed"
    if os.geteuid() != 0:
        return ("needs root: the harness runs QEMU in private network and mount namespaces "
                "(unshare -n -m), where it creates bridges and addresses")
    return None


needs_qemu = pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")


def kvm_usable() -> bool:
    try:
        fd = os.open("/dev/kvm", os.O_RDWR)
    except OSError:
        return False
    os.close(fd)
    return True


@dataclass
class Guest:
    argv: Sequence[str]
    paused: bool = True
    serial: Optional[str] = None         # with `marker`: run until this file holds it
    marker: Optional[bytes] = None
    await_network: Optional[str] = None  # poll `info network` until it contains this
    # QOM properties to read once the guest is up: (path, property), e.g.
    # ("/machine/peripheral/balloon0", "deflate-on-oom"); see QemuResult.qom.
    qom: Sequence[Tuple[str, str]] = ()
    # QMP commands without arguments to run once the guest is up, e.g.
    # "query-memory-size-summary"; see QemuResult.replies.
    queries: Sequence[str] = ()
    # Let the firmware run until it has numbered every PCI bridge's bus, then stop it
    # again and put that query-pci in QemuResult.replies["query-pci"]: a paused guest's
    # query-pci lists nothing behind a bridge, since QEMU finds a bridge's devices by the
    # secondary bus number that only the firmware writes. The other queries stay paused.
    number_pci_buses: bool = False


@dataclass
class QemuResult:
    started: bool
    status: Optional[Dict[str, Any]] = None
    network: str = ""
    block: List[Dict[str, Any]] = field(default_factory=list)
    stderr: str = ""
    argv: List[str] = field(default_factory=list)
    vnc: Optional[Dict[str, Any]] = None
    serial: bytes = b""                  # the serial file's content when QEMU was stopped
    probes: Dict[str, str] = field(default_factory=dict)   # "host:port" → banner or error
    igmp: str = ""                       # the namespace's /proc/net/igmp while guests ran
    qom: Dict[str, Any] = field(default_factory=dict)   # "path property" → value or error
    replies: Dict[str, Any] = field(default_factory=dict)   # query → its return or error
    qtree: str = ""                      # `info qtree`: every device on its bus

    def block_files(self) -> Dict[str, str]:
        """device name → the file QEMU opened."""
        return {b["device"] or b.get("qdev", ""): b["inserted"]["file"]
                for b in self.block if b.get("inserted")}

    def block_devices(self) -> Dict[str, Dict[str, Any]]:
        return {b["device"] or b.get("qdev", ""): b for b in self.block}

    def nics(self) -> List[Tuple[str, List[str]]]:
        """`info network` as (NIC line, [its peers' lines]): each NIC with what it's on."""
        out: List[Tuple[str, List[str]]] = []
        for line in self.network.splitlines():
            if not line.strip():
                continue
            if line[0].isspace():
                out[-1][1].append(line.strip().lstrip("\\_ ").strip())
            else:
                out.append((line.strip(), []))
        return out


def backend_fields(peer_line: str) -> Dict[str, str]:
    """`net0: index=0,type=tap,ifname=vnet7,script=/x,downscript=no` → its key=value pairs.
    HMP prints values verbatim, so a value with a comma can't be split back: callers that
    care compare the whole line."""
    body = peer_line.split(":", 1)[1].strip() if ":" in peer_line else peer_line
    return dict(p.split("=", 1) for p in body.split(",") if "=" in p)


def to_tcg(argv: Sequence[str]) -> List[str]:
    out: List[str] = []
    for word in argv:
        if word == "-enable-kvm":
            continue
        if out and out[-1] == "-accel" and word.split(",")[0] == "kvm":
            word = "tcg"            # KVM's own properties (dirty-ring-size) go with it
        out.append(word.replace("accel=kvm", "accel=tcg"))
    return out


def _host_argv(argv: Sequence[str]) -> List[str]:
    # Golden cases name emulators (/usr/bin/qemu…) that don't exist here.
    binary = qemu_path()
    if binary is None:
        raise RuntimeError(f"{QEMU} is not installed")
    words = [binary, *argv[1:]]
    return words if kvm_usable() else to_tcg(words)


def run_guests(guests: Sequence[Guest], *, bridges: Sequence[str] = (),
               addresses: Sequence[str] = (), listeners: Sequence[Tuple[str, int]] = (),
               probes: Sequence[Tuple[str, int]] = (), timeout: float = 30.0,
               env: Optional[Dict[str, str]] = None) -> List[QemuResult]:
    """Start every guest in one namespace, inspect each, quit them all.

    `env`: the environment of the runner, taken by a caller in another thread than pytest's
    while pytest's fixtures change os.environ (see corpus_host.py); else this process's.

    `listeners` are TCP servers the runner opens first, for guests whose NICs connect out.
    `probes` are TCP ports the runner connects to from inside the namespace once all guests
    are up, before inspecting them: "connected: " + the first bytes the server sent (VNC's
    RFB banner), or "error: …".
    """
    words = [_host_argv(g.argv) for g in guests]
    with tempfile.TemporaryDirectory(prefix="virtc-qemu-") as tmp:
        config = {
            "guests": [{"argv": w, "paused": g.paused, "serial": g.serial,
                        "marker": g.marker.decode("latin-1") if g.marker else None,
                        "await_network": g.await_network, "qom": [list(q) for q in g.qom],
                        "queries": list(g.queries), "number_pci_buses": g.number_pci_buses}
                       for w, g in zip(words, guests)],
            "bridges": list(bridges), "addresses": list(addresses),
            "listeners": [list(x) for x in listeners], "probes": [list(p) for p in probes],
            "tmp": tmp, "timeout": timeout}
        cfg_path = os.path.join(tmp, "config.json")
        with open(cfg_path, "w", encoding="utf-8") as fh:
            json.dump(config, fh)
        runner = os.path.join(tmp, "runner.py")
        with open(runner, "w", encoding="utf-8") as fh:
            fh.write(RUNNER)
        proc = subprocess.run(["unshare", "-n", "-m", sys.executable, runner, cfg_path],
                              capture_output=True, text=True, timeout=timeout + 30, env=env)
    try:
        data = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return [QemuResult(False, stderr=proc.stdout + proc.stderr, argv=w) for w in words]
    return [QemuResult(d["started"], d.get("status"), d.get("network", ""), d.get("block", []),
                       d.get("stderr", ""), w, d.get("vnc"),
                       d.get("serial", "").encode("latin-1"), data.get("probes", {}),
                       data.get("igmp", ""), d.get("qom", {}), d.get("replies", {}),
                       d.get("qtree", ""))
            for w, d in zip(words, data["guests"])]


def run_paused(argv: Sequence[str], **kw) -> QemuResult:
    """Start argv paused (-S), inspect it, quit."""
    return run_guests([Guest(argv)], **kw)[0]


def run_until_marker(argv: Sequence[str], serial: str, marker: bytes,
                     timeout: float = 30.0) -> QemuResult:
    """Let the guest run (TCG or KVM) until `marker` appears in its serial file."""
    return run_guests([Guest(argv, paused=False, serial=serial, marker=marker)],
                      timeout=timeout)[0]


def mac_of(nic_line: str) -> Optional[str]:
    match = re.search(r"macaddr=([0-9a-f:]{17})", nic_line)
    return match.group(1) if match else None


# Executed inside the namespaces with the same Python; stdlib only.
RUNNER = r'''
import json, os, socket, subprocess, sys, time

cfg = json.load(open(sys.argv[1]))
tmp = cfg["tmp"]
deadline = time.time() + cfg["timeout"]

def sh(*args):
    subprocess.run(args, check=True, capture_output=True)

sh("mount", "--make-rprivate", "/")
sh("ip", "link", "set", "lo", "up")
sh("ip", "link", "set", "lo", "multicast", "on")
sh("ip", "route", "add", "224.0.0.0/4", "dev", "lo")
for addr in cfg["addresses"]:
    sh("ip", "addr", "add", addr + "/32", "dev", "lo")
for br in cfg["bridges"]:
    sh("ip", "link", "add", br, "type", "bridge")
    sh("ip", "link", "set", br, "up")
conf = os.path.join(tmp, "etc-qemu")
os.makedirs(conf)
with open(os.path.join(conf, "bridge.conf"), "w") as fh:
    fh.write("allow all\n")
os.makedirs("/etc/qemu", exist_ok=True)
sh("mount", "--bind", conf, "/etc/qemu")

servers = []
for host, port in cfg["listeners"]:
    s = socket.socket()
    s.bind((host, port))
    s.listen(4)
    servers.append(s)


class Qemu:
    def __init__(self, index, spec):
        self.spec = spec
        self.qmp_path = os.path.join(tmp, "qmp%d.sock" % index)
        argv = list(spec["argv"]) + ["-qmp", "unix:%s,server=on,wait=off" % self.qmp_path]
        if spec["paused"]:
            argv.append("-S")
        self.err = open(os.path.join(tmp, "stderr%d" % index), "w+")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.err,
                                     stderr=self.err)
        self.conn = None
        self.result = {"started": False}

    def connect(self):
        while time.time() < deadline and self.proc.poll() is None:
            if os.path.exists(self.qmp_path):
                try:
                    conn = socket.socket(socket.AF_UNIX)
                    conn.connect(self.qmp_path)
                    self.conn, self.reader = conn, conn.makefile("r")
                    json.loads(self.reader.readline())  # greeting
                    self.call("qmp_capabilities")
                    return True
                except OSError:
                    pass
            time.sleep(0.05)
        return False

    def call(self, command, **arguments):
        msg = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        self.conn.sendall((json.dumps(msg) + "\n").encode())
        while True:
            reply = json.loads(self.reader.readline())
            if "event" not in reply:
                return reply

    def hmp(self, line):
        return self.call("human-monitor-command", **{"command-line": line}).get("return", "")

    def serial(self):
        try:
            with open(self.spec["serial"], "rb") as fh:
                return fh.read()
        except (OSError, TypeError):
            return b""

    def wait_marker(self):
        marker = self.spec["marker"].encode("latin-1")
        while time.time() < deadline and self.proc.poll() is None:
            if marker in self.serial():
                return
            time.sleep(0.05)

    def inspect(self):
        wanted = self.spec["await_network"]
        network = self.hmp("info network")
        while wanted and wanted not in network and time.time() < deadline:
            time.sleep(0.05)
            network = self.hmp("info network")
        self.result = {"started": True, "status": self.call("query-status").get("return"),
                       "network": network, "block": self.call("query-block").get("return", []),
                       "vnc": self.call("query-vnc").get("return"),
                       "cpus": self.call("query-cpus-fast").get("return", []),
                       "cpu_slots": self.call("query-hotpluggable-cpus").get("return", []),
                       "qtree": self.hmp("info qtree")}
        qom = {}
        for path, prop in self.spec.get("qom", []):
            reply = self.call("qom-get", path=path, property=prop)
            qom[path + " " + prop] = reply.get("return", reply.get("error"))
        self.result["qom"] = qom
        replies = {}
        for query in self.spec.get("queries", []):
            reply = self.call(query)
            replies[query] = reply.get("return", reply.get("error"))
        self.result["replies"] = replies
        if self.spec.get("number_pci_buses"):
            replies["query-pci"] = self.numbered_pci()

    def numbered_pci(self):
        """query-pci once every bridge has a bus number (0 < secondary <= subordinate <
        255: firmwares write 255 while they probe) and two polls agree; the guest runs
        (`cont`) only when there are bridges, and is stopped again afterwards."""
        def bridges(buses):
            out = []
            for bus in buses:
                for dev in bus.get("devices", []):
                    b = dev.get("pci_bridge")
                    if b:
                        out.append((dev["bus"], dev["slot"], dev["function"],
                                    b["bus"]["secondary"], b["bus"]["subordinate"]))
                        out += bridges([b])
            return out
        reply = self.call("query-pci")
        if not bridges(reply.get("return", [])):
            return reply.get("return", reply.get("error"))
        self.call("cont")
        previous = None
        while time.time() < deadline:
            reply = self.call("query-pci")
            seen = bridges(reply.get("return", []))
            if seen == previous and all(0 < s <= t < 255 for *_, s, t in seen):
                break
            previous = seen
            time.sleep(0.1)
        self.call("stop")
        reply = self.call("query-pci")
        return reply.get("return", reply.get("error"))

    def finish(self):
        if self.conn is not None:
            try:
                self.call("quit")
            except (OSError, ValueError):
                pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.err.seek(0)
        self.result["stderr"] = self.err.read()
        if self.spec["serial"]:
            self.result["serial"] = self.serial().decode("latin-1")
        return self.result


open_probes = []


def probe(host, port):
    """Connect and read what the server says first (VNC: its RFB banner). The connection
    stays open until the guests are inspected, so a socket back end shows its peer."""
    try:
        s = socket.create_connection((host, port), timeout=2)
    except OSError as exc:
        return "error: %s" % exc
    open_probes.append(s)
    s.settimeout(0.5)
    try:
        return "connected: " + s.recv(12).decode("latin-1")
    except OSError:
        return "connected: "


guests = []
for index, spec in enumerate(cfg["guests"]):
    guest = Qemu(index, spec)
    guests.append(guest)
    if not guest.connect():
        break      # later guests may depend on this one (a socket server)
probes = {}
if all(g.conn for g in guests) and len(guests) == len(cfg["guests"]):
    for g in guests:
        if g.spec["marker"]:
            g.wait_marker()
    for host, port in cfg["probes"]:
        probes["%s:%d" % (host, port)] = probe(host, port)
    for g in guests:
        try:
            g.inspect()
        except (OSError, ValueError):
            g.result = {"started": False}
# Multicast memberships per device, read while every guest is still running.
igmp = open("/proc/net/igmp").read()
results = [g.finish() for g in guests]
results += [{"started": False, "stderr": "not started: an earlier guest failed"}] * (
    len(cfg["guests"]) - len(results))
print(json.dumps({"guests": results, "probes": probes, "igmp": igmp}))
'''
