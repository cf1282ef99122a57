"""libvirt's QEMU namespace for QEMU: <qemu:arg> words at the end of the argv, each one word;
<qemu:env> in QEMU's environment in every output form and under `virtc run`; -compat for
<qemu:deprecation>; <qemu:override> on its device; what virtc can't honour, with a code.

Facts: libvirt 9.0's argv for the corpus document (tests/corpus/native/qemu-commandline.argv:
the FOO=bar prefix and `-device pvpanic`), and libvirt's qemuBuildCommandLine (the args as
they are, the env pairs with an empty value for a missing one), qemuBuildCompatDeprecated-
CommandLine and qemuBuildDeviceCommandlineHandleOverrides.
"""
import json
import os
import pathlib
import shlex
import socket
import subprocess
import sys
import time
from xml.sax.saxutils import quoteattr

import pytest

import qemu_harness as harness
import virtc
from conftest import ROOT

CORPUS = ROOT / "tests" / "corpus"
NS = "xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'"
# What libvirt's own command sets in QEMU's environment, whatever the domain says.
LIBVIRTS_OWN = ("LC_ALL", "PATH", "HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME")


def _domain(extra: str, devices: str = "", name: str = "t") -> bytes:
    return (f"<domain type='qemu' {NS}><name>{name}</name><memory unit='MiB'>128</memory>"
            f"<os><type arch='x86_64' machine='q35'>hvm</type></os>"
            f"<devices>{devices}</devices>{extra}</domain>").encode()


def _libvirt_env_and_args(case: str):
    words = shlex.split((CORPUS / "native" / f"{case}.argv").read_text())
    at = next(i for i, w in enumerate(words) if "qemu-system" in w)
    env = dict(w.split("=", 1) for w in words[:at])
    return {k: v for k, v in env.items() if k not in LIBVIRTS_OWN}, words[at:]


@pytest.mark.parametrize("form", ["dumpxml", "print-xml"])
def test_the_corpus_document_gets_libvirts_args_and_env(form):
    env, theirs = _libvirt_env_and_args("qemu-commandline")
    result = virtc.compile(CORPUS / form / "qemu-commandline.xml", qemu_version="7.2")
    assert result.ok, [str(d) for d in result.errors]
    assert result.env == env == {"FOO": "bar"}
    assert result.argv[-2:] == ["-device", "pvpanic"]
    assert theirs[theirs.index("pvpanic") - 1] == "-device"
    assert [d.code for d in result.diagnostics if d.code == "QEMU451"] == ["QEMU451"]


HOSTILE = ["a, b,,c", "two words", "line\nbreak", "$(touch /tmp/virtc-pwned)", "'\"`;|&",
           "", "-", "=x", "é ü"]


def test_every_arg_is_one_word_whatever_it_holds(tmp_path):
    args = "".join(f"<qemu:arg value={quoteattr(a, {chr(10): '&#10;'})}/>" for a in HOSTILE)
    source = _domain(f"<qemu:commandline>{args}<qemu:env name='V' value='a b;$(x)'/>"
                     "</qemu:commandline>")
    result = virtc.compile(source, qemu_version="7.2")
    assert result.ok, [str(d) for d in result.errors]
    assert result.argv[-len(HOSTILE):] == HOSTILE
    path = tmp_path / "d.xml"
    path.write_bytes(source)
    env_words = ["V=a b;$(x)"]
    shell = subprocess.run([sys.executable, "-m", "virtc", "compile", str(path), "--qemu-version",
                            "7.2"], capture_output=True, text=True, check=True).stdout
    assert shlex.split(shell) == env_words + result.argv
    printed = subprocess.run([sys.executable, "-m", "virtc", "compile", str(path),
                              "--qemu-version", "7.2", "--format", "json"],
                             capture_output=True, text=True, check=True).stdout
    assert json.loads(printed) == {"env": {"V": "a b;$(x)"}, "argv": result.argv}
    # the shell line runs as it is: the variable is set, nothing in it is executed
    probe = subprocess.run(["sh", "-c", shell.replace(result.argv[0], "env", 1)
                            .split(" -name")[0]], capture_output=True, text=True)
    assert "V=a b;$(x)" in probe.stdout.splitlines()
    assert not os.path.exists("/tmp/virtc-pwned")


def test_env_without_a_value_is_empty_and_a_repeated_name_takes_the_last():
    """libvirt: NULLSTR_EMPTY(value); virCommandAddEnv replaces an earlier pair."""
    result = virtc.compile(_domain(
        "<qemu:commandline><qemu:env name='EMPTY'/><qemu:env name='A' value='1'/>"
        "<qemu:env name='A' value='2'/></qemu:commandline>"), qemu_version="7.2")
    assert result.ok
    assert result.env == {"EMPTY": "", "A": "2"}


def test_an_env_name_libvirt_refuses_is_sem320():
    """libvirt: "Invalid environment name, it must begin with a letter or underscore"."""
    found = virtc.validate(_domain("<qemu:commandline><qemu:env name='1X' value='v'/>"
                                   "</qemu:commandline>"))
    assert [d.code for d in found] == ["SEM320"]
    # a name with characters no variable has is refused by the schema already
    found = virtc.validate(_domain("<qemu:commandline><qemu:env name='A=B' value='v'/>"
                                   "</qemu:commandline>"))
    assert [d.code for d in found if d.severity.value == "error"][:1] == ["XSD103"]


@pytest.mark.parametrize("behavior, value", [
    ("omit", {"deprecated-output": "hide"}),
    ("reject", {"deprecated-output": "hide", "deprecated-input": "reject"}),
    ("crash", {"deprecated-output": "hide", "deprecated-input": "crash"}),
])
def test_deprecation_is_compat_after_name(behavior, value):
    result = virtc.compile(_domain(f"<qemu:deprecation behavior='{behavior}'/>"),
                           qemu_version="7.2")
    assert result.ok
    at = result.argv.index("-compat")
    assert result.argv[at - 2] == "-name" and json.loads(result.argv[at + 1]) == value


def test_deprecation_none_writes_nothing_and_old_qemu_goes_without():
    assert "-compat" not in virtc.compile(_domain("<qemu:deprecation behavior='none'/>"),
                                          qemu_version="7.2").argv
    result = virtc.compile(_domain("<qemu:deprecation behavior='reject'/>"), qemu_version="5.0")
    assert result.ok and "-compat" not in result.argv
    assert [d.code for d in result.diagnostics] == ["QEMU316"]


def test_capabilities_are_a_warning_that_they_change_nothing():
    plain = virtc.compile(_domain(""), qemu_version="7.2")
    result = virtc.compile(_domain("<qemu:capabilities><qemu:del capability='blockdev'/>"
                                   "<qemu:add capability='x'/></qemu:capabilities>"),
                           qemu_version="7.2")
    assert result.ok and result.argv == plain.argv
    assert [d.code for d in result.diagnostics] == ["QEMU452", "QEMU452"]


OVERRIDE = ("<qemu:override><qemu:device alias='ua-bal'><qemu:frontend>"
            "<qemu:property name='deflate-on-oom' type='bool' value='true'/>"
            "<qemu:property name='addr' type='remove'/>"
            "<qemu:property name='free-page-reporting' type='bool' value='false'/>"
            "</qemu:frontend></qemu:device></qemu:override>")
BALLOON = "<memballoon model='virtio'><alias name='ua-bal'/></memballoon>"


@pytest.mark.parametrize("version", ["7.2", "5.0"])
def test_override_changes_the_device_with_that_alias(version):
    """libvirt's argv for the same override (virsh domxml-to-native, libvirt 9.0):
    {"driver":"virtio-balloon-pci","id":"ua-bal","bus":"pci.0","deflate-on-oom":true}
    (addr taken out, the property appended)."""
    result = virtc.compile(_domain(OVERRIDE, "<controller type='pci' index='0' model="
                                   "'pcie-root'/>" + BALLOON), qemu_version=version)
    assert result.ok, [str(d) for d in result.errors]
    word = next(w for w in result.argv if "ua-bal" in w)
    if version == "7.2":
        props = json.loads(word)
        assert list(props)[-2:] == ["deflate-on-oom", "free-page-reporting"]
        assert props["deflate-on-oom"] is True and props["free-page-reporting"] is False
        assert "addr" not in props
    else:
        assert word.endswith(",deflate-on-oom=on,free-page-reporting=off")
        assert ",addr=" not in word


def test_override_of_no_device_and_a_value_not_of_its_type():
    result = virtc.compile(_domain(OVERRIDE.replace("ua-bal", "nosuch"), BALLOON),
                           qemu_version="7.2")
    assert result.ok and [d.code for d in result.diagnostics] == ["QEMU453"]
    found = virtc.validate(_domain(
        "<qemu:override><qemu:device alias='ua-bal'><qemu:frontend>"
        "<qemu:property name='x' type='unsigned' value='-1'/>"
        "<qemu:property name='y' type='bool' value='yes'/></qemu:frontend></qemu:device>"
        "</qemu:override>", BALLOON))
    assert [d.code for d in found] == ["SEM324", "SEM324"]


def test_xen_still_says_it_has_no_qemu_command_line():
    source = _domain("<qemu:commandline><qemu:arg value='-no-hpet'/></qemu:commandline>"
                     "<qemu:deprecation behavior='reject'/>").replace(b"type='qemu'",
                                                                      b"type='xen'")
    result = virtc.compile(source, target="xen-xl")
    assert [d.code for d in result.errors] == ["XEN470", "XEN470"]


# ------------------------------------------------------------------ real QEMU

def _qmp(path: pathlib.Path, proc: subprocess.Popen, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, proc.communicate()
        try:
            sock = socket.socket(socket.AF_UNIX)
            sock.connect(str(path))
            break
        except OSError:
            assert time.monotonic() < deadline, "QMP socket never appeared"
            time.sleep(0.05)
    reader = sock.makefile("r")
    json.loads(reader.readline())

    def call(command, **arguments):
        msg = {"execute": command, **({"arguments": arguments} if arguments else {})}
        sock.sendall((json.dumps(msg) + "\n").encode())
        while True:
            reply = json.loads(reader.readline())
            if "event" not in reply:
                return reply.get("return", reply)

    call("qmp_capabilities")
    return call


def _qemu_pid(text: str) -> int:
    for pid in os.listdir("/proc"):
        try:
            cmdline = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if text.encode() in cmdline and b"qemu-system" in cmdline.split(b"\0")[0]:
            return int(pid)
    raise AssertionError(f"no QEMU mentions {text}")


@harness.needs_qemu
def test_virtc_run_passes_the_args_and_sets_the_env(tmp_path):
    """The args take effect in real QEMU (a -device and a -global set on it, read back over
    QMP), and the variables are in the QEMU process's environment (/proc/PID/environ)."""
    doc = tmp_path / "d.xml"
    doc.write_bytes(_domain(
        "<qemu:commandline><qemu:arg value='-device'/><qemu:arg value='pvpanic,id=mypanic'/>"
        "<qemu:arg value='-global'/><qemu:arg value='pvpanic.ioport=1286'/>"
        "<qemu:env name='FOO' value='bar baz'/><qemu:env name='EMPTY'/></qemu:commandline>"
        "<qemu:deprecation behavior='reject'/>", name="run-qemu-ns"))
    qmp_path = tmp_path / "qmp.sock"
    env = {k: v for k, v in os.environ.items() if k not in ("FOO", "EMPTY")}
    proc = subprocess.Popen([sys.executable, "-m", "virtc", "run", str(doc), "--qemu-version",
                             "7.2", "--qmp", str(qmp_path), "--runtime-dir", str(tmp_path / "r")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        call = _qmp(qmp_path, proc)
        environ = dict(e.split("=", 1) for e in pathlib.Path(
            f"/proc/{_qemu_pid(str(qmp_path))}/environ").read_text().split("\0") if "=" in e)
        assert environ["FOO"] == "bar baz" and environ["EMPTY"] == ""
        assert call("qom-get", path="/machine/peripheral/mypanic", property="type") == "pvpanic"
        assert call("qom-get", path="/machine/peripheral/mypanic", property="ioport") == 1286
        call("quit")
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert "QEMU451" in err
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.communicate(timeout=30)


def test_lines_and_the_run_script_carry_the_env(tmp_path):
    doc = tmp_path / "d.xml"
    doc.write_bytes(_domain("<qemu:commandline><qemu:arg value='-no-user-config'/>"
                            "<qemu:env name='FOO' value='a b'/></qemu:commandline>"))
    lines = subprocess.run([sys.executable, "-m", "virtc", "compile", str(doc), "--qemu-version",
                            "7.2", "--format", "lines"], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    assert lines[0] == "FOO=a b" and "qemu-system" in lines[1] and lines[-1] == "-no-user-config"
    script = subprocess.run([sys.executable, "-m", "virtc", "run", str(doc), "--dry-run",
                             "--qemu-version", "7.2"], capture_output=True, text=True,
                            check=True).stdout
    qemu_line = next(line for line in script.splitlines() if "qemu-system" in line)
    assert shlex.split(qemu_line)[0] == "FOO=a b"


@harness.needs_qemu
def test_real_qemu_takes_the_override_and_compat():
    result = virtc.compile(_domain(OVERRIDE + "<qemu:deprecation behavior='crash'/>",
                                   "<controller type='pci' index='0' model='pcie-root'/>"
                                   + BALLOON), qemu_version="7.2")
    assert result.ok, [str(d) for d in result.errors]
    run = harness.run_guests([harness.Guest(result.argv, qom=[
        ("/machine/peripheral/ua-bal", "deflate-on-oom"),
        ("/machine/peripheral/ua-bal", "free-page-reporting")])])[0]
    assert run.started, run.stderr
    assert run.qom == {"/machine/peripheral/ua-bal deflate-on-oom": True,
                       "/machine/peripheral/ua-bal free-page-reporting": False}
