"""A VNC passwd reaches QEMU through a secret object (QEMU 6.0+: -vnc password-secret=).

libvirt sets the password over the monitor after start; virtc's argv carries it in
`-object secret,data=…` and says so (QEMU441). Real QEMU then asks VNC clients for that
password (`query-vnc` auth "vnc"), and a password with a comma stays one value. Before 6.0
the argv can only turn password authentication on (QEMU308), as the seed era did.
"""
from __future__ import annotations

import virtc
from qemu_harness import Guest, needs_qemu, run_guests
from qemuopts import options

DOC = """<domain type='qemu'>
  <name>vnc-pw</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <graphics type='vnc' port='5977' listen='127.0.0.1' passwd='{pw}'/>
  </devices>
</domain>"""


def _compile(version: str, pw: str = "s3cr,et"):
    return virtc.compile(DOC.format(pw=pw).encode(), qemu_version=version)


@needs_qemu
def test_the_password_goes_in_a_secret_object_that_qemu_uses():
    result = _compile("7.2")
    assert result.ok and [d.code for d in result.diagnostics] == ["QEMU441"]
    [secret] = [o for o in options(result.argv, "-object") if o.get("qom-type") == "secret"]
    assert secret["data"] == "s3cr,et" and secret["id"] == "vnc0-secret0"
    vnc = result.argv[result.argv.index("-vnc") + 1]
    assert vnc.endswith(",password-secret=vnc0-secret0") and "password=on" not in vnc
    [guest] = run_guests([Guest(result.argv, queries=("query-vnc",))])
    assert guest.started, guest.stderr
    assert guest.replies["query-vnc"]["auth"] == "vnc"


def test_before_qemu_6_only_password_authentication_is_turned_on():
    result = _compile("5.0")
    assert [d.code for d in result.diagnostics] == ["QEMU308"]
    assert "secret" not in " ".join(result.argv)
    assert result.argv[result.argv.index("-vnc") + 1].endswith(",password=on")


SOCKET_DOC = """<domain type='qemu'>
  <name>vnc-sock</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <graphics type='vnc'>{listen}</graphics>
    <video><model type='vga'/></video>
  </devices>
</domain>"""


@needs_qemu
def test_a_vnc_socket_listen_is_a_unix_socket_qemu_serves(tmp_path):
    """<listen type='socket' socket=PATH> → -vnc unix:PATH (libvirt's form); a comma in the
    path stays part of it. Without socket=, the socket is vnc.sock in the runtime
    directory, as libvirt puts it in the domain's own directory."""
    path = tmp_path / "a,b.sock"
    result = virtc.compile(SOCKET_DOC.format(
        listen=f"<listen type='socket' socket='{path}'/>").encode(), qemu_version="7.2")
    assert result.ok, [str(d) for d in result.diagnostics]
    vnc = result.argv[result.argv.index("-vnc") + 1]
    assert vnc.startswith("unix:" + str(path).replace(",", ",,") + ",")
    [guest] = run_guests([Guest(result.argv, queries=("query-vnc",))])
    assert guest.started, guest.stderr
    assert guest.replies["query-vnc"]["enabled"] and guest.replies["query-vnc"]["family"] == "unix"
    default = virtc.compile(SOCKET_DOC.format(listen="<listen type='socket'/>").encode(),
                            qemu_version="7.2")
    assert default.ok and "-vnc" in default.argv
    assert default.argv[default.argv.index("-vnc") + 1].startswith(
        "unix:/run/virtc/vnc-sock/vnc.sock")


@needs_qemu
def test_a_vnc_listen_of_type_none_serves_no_network():
    result = virtc.compile(SOCKET_DOC.format(listen="<listen type='none'/>").encode(),
                           qemu_version="7.2")
    assert result.ok, [str(d) for d in result.diagnostics]
    assert result.argv[result.argv.index("-vnc") + 1].split(",")[0] == "none"
    [guest] = run_guests([Guest(result.argv, queries=("query-vnc",))])
    assert guest.started, guest.stderr
    assert "service" not in guest.replies["query-vnc"]
