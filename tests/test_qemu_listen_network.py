"""A display's <listen type='network'> listens where libvirt would put it: the network's
first <ip address> for a network libvirt runs (no <forward>, nat, route, open), else
QEMU460, because libvirt reads the host device's address when the guest starts.

libvirt's qemuProcessGetNetworkAddress (src/qemu/qemu_process.c) is the reference; the
built-in 'default' network is libvirt's default.xml (NAT, 192.168.122.1). Real QEMU listens
on the address in a network namespace that has it (query-vnc, query-spice)."""
from __future__ import annotations

import pytest

import virtc
from qemu_harness import Guest, needs_qemu, run_guests

DOC = """<domain type='qemu'>
  <name>listen-net</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <graphics type='{kind}' port='{port}' autoport='no'>
      <listen type='network' network='{net}'{extra}/>
    </graphics>
  </devices>
</domain>"""

NET = """<network>
  <name>{name}</name>
  {forward}
  <bridge name='br-{name}'/>
  {ip}
</network>"""


def _doc(kind="vnc", port=5907, net="default", extra=""):
    return DOC.format(kind=kind, port=port, net=net, extra=extra).encode()


def _net(name, forward="", ip="<ip address='10.9.8.1' netmask='255.255.255.0'/>"):
    return NET.format(name=name, forward=forward, ip=ip).encode()


def _arg(result, flag):
    return result.argv[result.argv.index(flag) + 1]


@needs_qemu
def test_the_default_network_listens_on_libvirts_address():
    vnc = virtc.compile(_doc(), qemu_version="7.2")
    spice = virtc.compile(_doc("spice", 5908), qemu_version="7.2")
    assert vnc.ok and spice.ok, [str(d) for d in (*vnc.diagnostics, *spice.diagnostics)]
    assert not [d for d in vnc.diagnostics if d.code == "QEMU320"]
    assert _arg(vnc, "-vnc") == "192.168.122.1:7"
    assert "addr=192.168.122.1" in _arg(spice, "-spice").split(",")
    found = run_guests([Guest(vnc.argv, queries=("query-vnc",)),
                        Guest(spice.argv, queries=("query-spice",))],
                       addresses=["192.168.122.1"])
    assert all(g.started for g in found), [g.stderr for g in found]
    assert (found[0].replies["query-vnc"]["host"], found[0].replies["query-vnc"]["service"]) \
        == ("192.168.122.1", "5907")
    assert (found[1].replies["query-spice"]["host"], found[1].replies["query-spice"]["port"]) \
        == ("192.168.122.1", 5908)


@pytest.mark.parametrize("forward", ["", "<forward/>", "<forward mode='nat'/>",
                                     "<forward mode='route'/>", "<forward mode='open'/>"])
def test_a_network_libvirt_runs_lends_its_first_ip_address(forward):
    lan = _net("lan", forward, "<ip address='10.9.8.1' prefix='24'/>"
                               "<ip family='ipv6' address='fd00::1' prefix='64'/>")
    result = virtc.compile(_doc(net="lan"), qemu_version="7.2", networks=[lan])
    assert result.ok, [str(d) for d in result.diagnostics]
    assert _arg(result, "-vnc") == "10.9.8.1:7"


def test_a_network_with_only_an_ipv6_address_lends_it_in_brackets():
    lan = _net("lan6", ip="<ip family='ipv6' address='fd00::1' prefix='64'/>")
    result = virtc.compile(_doc(net="lan6"), qemu_version="7.2", networks=[lan])
    assert result.ok and _arg(result, "-vnc") == "[fd00::1]:7"


def test_an_address_libvirt_wrote_beside_the_network_is_used():
    """libvirt's live XML keeps the address it picked: <listen type='network'
    address='…' network='…'/>; that address wins, known network or not."""
    result = virtc.compile(_doc(net="elsewhere", extra=" address='10.1.2.3'"),
                           qemu_version="7.2")
    assert result.ok and _arg(result, "-vnc") == "10.1.2.3:7"


@pytest.mark.parametrize("net,networks,why", [
    ("lan", [], "virtc knows no network 'lan'"),
    ("br", [_net("br", "<forward mode='bridge'/>")], "forwards in mode 'bridge'"),
    ("noip", [_net("noip", "<forward mode='nat'/>", "")], "has no <ip address>"),
])
def test_a_network_whose_address_virtc_cant_tell_is_an_error_on_the_listen(net, networks,
                                                                            why):
    doc = _doc(net=net)
    assert not [d for d in virtc.validate(doc, networks=networks)    # valid libvirt
                if d.severity.value == "error"]
    for kind in ("vnc", "spice"):
        result = virtc.compile(_doc(kind, net=net), qemu_version="7.2", networks=networks)
        assert not result.ok and result.argv is None
        [finding] = [d for d in result.diagnostics if d.code == "QEMU460"]
        assert finding.severity.value == "error" and why in finding.message
        assert finding.span.line == 7, finding                  # the <listen> element's line


@pytest.mark.parametrize("how", ["--network", "same batch"])
def test_the_batch_compiles_a_network_listen_against_its_networks(tmp_path, capsys, how):
    """`virtc validate --compile` resolves a listen's network as `virtc compile` does: from
    --network FILE, or from a network document checked in the same run."""
    from virtc.cli import main

    (tmp_path / "lab.xml").write_bytes(_net("lab", "<forward mode='nat'/>"))
    (tmp_path / "dom.xml").write_bytes(_doc(net="lab"))
    paths = (["--network", str(tmp_path / "lab.xml"), str(tmp_path / "dom.xml")]
             if how == "--network" else [str(tmp_path)])
    code = main(["validate", "--compile", "--qemu-version", "7.2", *paths])
    out = capsys.readouterr().out
    assert "QEMU460" not in out and code == 0, out
