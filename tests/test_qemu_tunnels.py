"""Socket tunnels between two guests, and a tap device with its start-up script, on real
QEMU. Both guests of a pair run at the same time in one private network namespace; the
domains go through virtc from XML to argv.
"""
from __future__ import annotations

import os
import pathlib

import pytest

import qemu_harness as harness
from qemu_domains import compile_xml

pytestmark = [pytest.mark.qemu, harness.needs_qemu]
PORT = 5558
GROUP = "230.0.0.1"


def guest_xml(name: str, mac: str, interface_body: str, net_type: str) -> str:
    return f"""<domain type='qemu'>
  <name>{name}</name>
  <memory>65536</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <interface type='{net_type}'><mac address='{mac}'/>{interface_body}</interface>
  </devices>
</domain>"""


def only_backend(result: harness.QemuResult, mac: str) -> str:
    (nic, backends), = result.nics()
    assert harness.mac_of(nic) == mac, nic
    (backend,) = backends
    return backend


def test_server_and_client_guests_connect_on_one_loopback_port():
    source = f"<source address='127.0.0.1' port='{PORT}'/>"
    server = compile_xml(guest_xml("srv", "52:54:00:aa:00:01", source, "server"))
    client = compile_xml(guest_xml("cli", "52:54:00:aa:00:02", source, "client"))
    # The server is up (QMP answers) before the client starts, as a user would run them.
    srv, cli = harness.run_guests([
        harness.Guest(server, await_network="connection from"), harness.Guest(client)])
    assert srv.started and cli.started, srv.stderr + cli.stderr
    srv_backend = only_backend(srv, "52:54:00:aa:00:01")
    cli_backend = only_backend(cli, "52:54:00:aa:00:02")
    assert f"socket: connect to 127.0.0.1:{PORT}" in cli_backend, cli_backend
    # The server accepted a peer: its back end names the client's end of the connection.
    assert "type=socket,socket: connection from 127.0.0.1:" in srv_backend, srv_backend


def test_two_mcast_guests_join_one_group():
    source = f"<source address='{GROUP}' port='{PORT}'/>"
    first = compile_xml(guest_xml("m1", "52:54:00:bb:00:01", source, "mcast"))
    second = compile_xml(guest_xml("m2", "52:54:00:bb:00:02", source, "mcast"))
    results = harness.run_guests([harness.Guest(first), harness.Guest(second)])
    for result, mac in zip(results, ("52:54:00:bb:00:01", "52:54:00:bb:00:02")):
        assert result.started, result.stderr
        assert f"socket: mcast={GROUP}:{PORT}" in only_backend(result, mac)
    assert group_users(results[0].igmp, GROUP) == 2, results[0].igmp


def group_users(igmp: str, group: str) -> int:
    """Sockets joined to `group` on lo, from /proc/net/igmp (groups are little-endian hex)."""
    wanted = "".join(f"{int(p):02X}" for p in reversed(group.split(".")))
    device = None
    for line in igmp.splitlines()[1:]:
        if not line.startswith("\t"):
            device = line.split()[1]
        elif device == "lo" and line.split()[0] == wanted:
            return int(line.split()[1])
    return 0


@pytest.mark.skipif(not os.path.exists("/dev/net/tun"),
                    reason="/dev/net/tun is missing: no tap devices on this host")
def test_ethernet_interface_runs_its_script_with_the_tap_name(tmp_path: pathlib.Path):
    seen = tmp_path / "script-argument"
    script = tmp_path / "if,up.sh"          # a comma: the path must reach QEMU intact
    script.write_text(f'#!/bin/sh\nprintf %s "$1" > "{seen}"\nip link set "$1" up\n')
    script.chmod(0o755)
    body = f"<target dev='vnet-virtc0'/><script path='{script}'/>"
    argv = compile_xml(guest_xml("tap", "52:54:00:cc:00:01", body, "ethernet"))
    result = harness.run_paused(argv)
    assert result.started, result.stderr
    assert seen.read_text() == "vnet-virtc0"
    backend = only_backend(result, "52:54:00:cc:00:01")
    assert f"type=tap,ifname=vnet-virtc0,script={script},downscript=no" in backend
