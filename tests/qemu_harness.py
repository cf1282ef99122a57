"""Run a compiled argv in real QEMU, paused, inside private network and mount namespaces.

The harness only ADDS `-S` (don't run the guest) and a QMP socket to the argv. The one
rewrite it can make is `accel=kvm` → `accel=tcg` (and dropping -enable-kvm) when the host
has no usable /dev/kvm, so the KVM golden case still starts on CI runners.

Inside `unshare -n -m` it brings lo up, routes multicast to lo, adds the addresses the guest
listens on, creates the bridges it needs, and bind-mounts a bridge.conf (`allow all`) over
/etc/qemu for qemu-bridge-helper. Nothing leaves the namespace.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

QEMU = "qemu-system-x86_64"


def qemu_path() -> Optional[str]:
    return shutil.which(QEMU)


def kvm_usable() -> bool:
    try:
        fd = os.open("/dev/kvm", os.O_RDWR)
    except OSError:
        return False
    os.close(fd)
    return True


@dataclass
class QemuResult:
    started: bool
    status: Optional[Dict[str, Any]] = None
    network: str = ""
    block: List[Dict[str, Any]] = field(default_factory=list)
    stderr: str = ""
    argv: List[str] = field(default_factory=list)

    def block_files(self) -> Dict[str, str]:
        """device name → the file QEMU opened."""
        return {b["device"] or b.get("qdev", ""): b["inserted"]["file"]
                for b in self.block if b.get("inserted")}


def to_tcg(argv: Sequence[str]) -> List[str]:
    out: List[str] = []
    for word in argv:
        if word == "-enable-kvm":
            continue
        out.append(word.replace("accel=kvm", "accel=tcg"))
    return out


def run_paused(argv: Sequence[str], *, bridges: Sequence[str] = (),
               addresses: Sequence[str] = (), listeners: Sequence[Tuple[str, int]] = (),
               timeout: float = 30.0) -> QemuResult:
    """Start argv paused, ask QMP for status, `info network` and block devices, then quit.

    `argv[0]` is replaced by the installed qemu-system-x86_64 (golden cases name emulators
    such as /usr/bin/qemu that don't exist here). `listeners` are TCP servers the harness
    opens first, for guests whose NICs connect out.
    """
    binary = qemu_path()
    if binary is None:
        raise RuntimeError(f"{QEMU} is not installed")
    words = [binary, *argv[1:]]
    if not kvm_usable():
        words = to_tcg(words)
    with tempfile.TemporaryDirectory(prefix="virtc-qemu-") as tmp:
        config = {"argv": words, "bridges": list(bridges), "addresses": list(addresses),
                  "listeners": [list(x) for x in listeners], "tmp": tmp, "timeout": timeout}
        cfg_path = os.path.join(tmp, "config.json")
        with open(cfg_path, "w", encoding="utf-8") as fh:
            json.dump(config, fh)
        runner = os.path.join(tmp, "runner.py")
        with open(runner, "w", encoding="utf-8") as fh:
            fh.write(RUNNER)
        proc = subprocess.run(["unshare", "-n", "-m", sys.executable, runner, cfg_path],
                              capture_output=True, text=True, timeout=timeout + 15)
    try:
        data = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return QemuResult(False, stderr=proc.stdout + proc.stderr, argv=words)
    return QemuResult(data["started"], data.get("status"), data.get("network", ""),
                      data.get("block", []), data.get("stderr", ""), words)


# Executed inside the namespaces with the same Python; stdlib only.
RUNNER = r'''
import json, os, socket, subprocess, sys, time

cfg = json.load(open(sys.argv[1]))
tmp = cfg["tmp"]

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

qmp_path = os.path.join(tmp, "qmp.sock")
argv = cfg["argv"] + ["-S", "-qmp", "unix:%s,server=on,wait=off" % qmp_path]
err = open(os.path.join(tmp, "stderr"), "w+")
proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=err, stderr=err)

def finish(result):
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    err.seek(0)
    result["stderr"] = err.read()
    print(json.dumps(result))
    sys.exit(0)

deadline = time.time() + cfg["timeout"]
conn = None
while time.time() < deadline and proc.poll() is None:
    if os.path.exists(qmp_path):
        try:
            conn = socket.socket(socket.AF_UNIX)
            conn.connect(qmp_path)
            break
        except OSError:
            conn = None
    time.sleep(0.05)
if conn is None:
    if proc.poll() is None:
        proc.kill()
    finish({"started": False})

reader = conn.makefile("r")

def call(command, **arguments):
    msg = {"execute": command}
    if arguments:
        msg["arguments"] = arguments
    conn.sendall((json.dumps(msg) + "\n").encode())
    while True:
        reply = json.loads(reader.readline())
        if "event" in reply:
            continue
        return reply

json.loads(reader.readline())  # greeting
call("qmp_capabilities")
status = call("query-status").get("return")
network = call("human-monitor-command", **{"command-line": "info network"}).get("return", "")
block = call("query-block").get("return", [])
call("quit")
finish({"started": True, "status": status, "network": network, "block": block})
'''
