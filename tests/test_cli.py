"""The command line as scripts and CI use it: exit codes, formats, files and directories."""
import json
import pathlib
import os
import shlex

import pytest

from virtc.cli import main

KVM = "examples/kvm-demo2.xml"
BAD = "tests/golden/bad-duplicate-mac.xml"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_directory_is_deterministic_and_fails_on_bad_files(capsys):
    code, out, err = run(capsys, "validate", "tests/golden")
    assert code == 1
    lines = [l for l in out.splitlines() if not l.startswith("    ")]
    files = [l.split(":", 1)[0] for l in lines[:-1]]
    assert files == sorted(files)
    assert lines[-1].startswith(f"{len(list(os.scandir('tests/golden')))} files: ")
    again = run(capsys, "validate", "tests/golden")[1]
    assert again == out


def test_validate_json(capsys):
    code, out, err = run(capsys, "validate", "--format", "json", BAD)
    assert code == 1
    (d,) = json.loads(out)
    assert set(d) == {"file", "line", "column", "severity", "code", "message", "hint"}
    assert (d["file"], d["line"], d["code"], d["severity"]) == (BAD, 11, "SEM207", "error")


def test_warnings_alone_exit_zero(capsys):
    code, out, err = run(capsys, "validate", "tests/golden/net-bridge-legacy-dev.xml")
    assert code == 0
    assert "warning: SEM218" in out


def test_missing_file_is_an_io_error(capsys):
    code, out, err = run(capsys, "validate", "no/such/file.xml")
    assert code == 2
    assert "no such file" in err


def test_unreadable_file_is_an_io_error(capsys, tmp_path):
    path = tmp_path / "d.xml"
    path.mkdir()
    code, out, err = run(capsys, "compile", str(path))
    assert code == 2


def test_usage_error(capsys):
    assert run(capsys, "compile")[0] == 2
    assert run(capsys, "frobnicate")[0] == 2


def test_unknown_qemu_version_suggests(capsys):
    code, out, err = run(capsys, "compile", KVM, "--qemu-version", "7.3")
    assert code == 2
    assert "7.2" in err and "did you mean" in err


def test_shell_format_round_trips_through_shlex(capsys):
    code, shell, _ = run(capsys, "compile", "tests/golden/qemu-disks.xml", "--qemu-version", "7.2")
    assert code == 0
    code, js, _ = run(capsys, "compile", "tests/golden/qemu-disks.xml", "--qemu-version", "7.2",
                      "--format", "json")
    assert shlex.split(shell) == json.loads(js)


def test_lines_format(capsys):
    code, out, _ = run(capsys, "compile", KVM, "--qemu-version", "7.2", "--format", "lines")
    code2, js, _ = run(capsys, "compile", KVM, "--qemu-version", "7.2", "--format", "json")
    assert out.splitlines() == json.loads(js)


def test_emulator_override(capsys):
    code, out, _ = run(capsys, "compile", KVM, "--emulator", "/opt/qemu/bin/qemu-system-x86_64",
                       "--format", "json")
    assert json.loads(out)[0] == "/opt/qemu/bin/qemu-system-x86_64"


def test_target_override_refuses_a_kvm_domain_for_xen(capsys):
    code, out, err = run(capsys, "compile", KVM, "--target", "xen-xm")
    assert code == 1
    assert "error" in err


def test_output_file_written_atomically(capsys, tmp_path):
    out_file = tmp_path / "fc4.cfg"
    code, out, err = run(capsys, "compile", "examples/xen-pv-fc4.xml", "-o", str(out_file))
    assert code == 0 and out == ""
    assert 'name = "fc4"' in out_file.read_text()
    assert os.listdir(tmp_path) == ["fc4.cfg"]


def test_output_file_untouched_on_error(capsys, tmp_path):
    out_file = tmp_path / "guest.argv"
    out_file.write_bytes(b"previous contents\n")
    code, out, err = run(capsys, "compile", BAD, "-o", str(out_file))
    assert code == 1
    assert out_file.read_bytes() == b"previous contents\n"
    assert os.listdir(tmp_path) == ["guest.argv"]


def test_output_into_missing_directory_is_an_io_error(capsys, tmp_path):
    code, out, err = run(capsys, "compile", KVM, "-o", str(tmp_path / "nope" / "x"))
    assert code == 2


def test_network_file_resolves_bridge(capsys, tmp_path):
    net = tmp_path / "lab.xml"
    net.write_text("<network><name>lab</name><bridge name='br-lab'/></network>")
    dom = tmp_path / "dom.xml"
    dom.write_text(open("tests/golden/net-network.xml").read().replace("'default'", "'lab'"))
    code, out, err = run(capsys, "compile", str(dom), "--format", "json", "--qemu-version", "7.2")
    assert code == 1
    assert "lab" in err and "--network" in err
    code, out, err = run(capsys, "compile", str(dom), "--format", "json", "--qemu-version", "7.2",
                         "--network", str(net))
    assert code == 0, err
    assert any("br=br-lab" in a for a in json.loads(out))


def test_network_file_must_be_a_network(capsys, tmp_path):
    code, out, err = run(capsys, "compile", "tests/golden/net-network.xml", "--network", KVM)
    assert code == 1
    assert "XML004" in err


def test_compiling_a_network_document_is_refused(capsys):
    code, out, err = run(capsys, "compile", "examples/networks/default.xml")
    assert code == 1
    assert "not a domain" in err


@pytest.mark.parametrize("content", [b"", b"   \n", b"\x00\x01binary", b"not xml at all"])
def test_unreadable_documents_fail_cleanly(capsys, tmp_path, content):
    path = tmp_path / "x.xml"
    path.write_bytes(content)
    code, out, err = run(capsys, "validate", str(path))
    assert code == 1
    assert ": error: XML00" in out


@pytest.mark.parametrize("command,paths", [
    (["validate"], [KVM]),
    (["compile"], [KVM]),
    (["validate", "-j", "2"], [KVM, "examples/xen-pv-fc4.xml"]),   # the worker processes too
])
def test_max_size_refuses_larger_files(capsys, command, paths):
    size = os.path.getsize(KVM)
    code, out, err = run(capsys, *command, "--max-size", str(size - 1), *paths)
    assert code == 1
    assert f"{KVM}:1:1: error: XML005" in out + err
    code, out, err = run(capsys, *command, "--max-size", "64K", *paths)
    assert code == 0, out + err


@pytest.mark.parametrize("bad", ["10x", "0", "-5", "K"])
def test_max_size_must_be_a_size(capsys, bad):
    code, out, err = run(capsys, "validate", "--max-size", bad, KVM)
    assert code == 2
    assert "--max-size" in err


def test_a_real_virsh_net_dumpxml_document_resolves(capsys, tmp_path):
    """Dual-stack (two <ip>), NAT port range, DNS and routes: libvirt's own output shape."""
    net = "tests/networks/virsh-net-dumpxml-dualstack.xml"
    code, out, err = run(capsys, "validate", net)
    assert code == 0, out
    dom = tmp_path / "dom.xml"
    dom.write_text(open("tests/golden/net-network.xml").read().replace("'default'", "'lab'"))
    code, out, err = run(capsys, "compile", str(dom), "--format", "json",
                         "--qemu-version", "7.2", "--network", net)
    assert code == 0, err
    assert "bridge,id=net0,br=virbr7" in json.loads(out)


def test_xm_is_refused_for_xen_versions_without_xend(capsys):
    code, out, err = run(capsys, "compile", "examples/xen-pv-fc4.xml", "--xen-version", "4.5")
    assert code == 2 and "xen-xl" in err and out == ""
    assert run(capsys, "compile", "examples/xen-pv-fc4.xml", "--xen-version", "4.4")[0] == 0
    code, out, err = run(capsys, "compile", "examples/xen-pv-fc4.xml", "--target", "xen-xl",
                         "--xen-version", "4.17")
    assert code == 0 and 'type = "pv"' in out


def test_version(capsys):
    from virtc import __version__

    code, out, err = run(capsys, "--version")
    assert code == 0
    assert out == f"virtc {__version__}\n"


X86_HOST = "tests/capabilities/x86-only.xml"


def test_validate_against_a_host_names_what_it_offers(capsys):
    ppc = "tests/broken/CAP502-arch.xml"
    code, out, err = run(capsys, "validate", "--capabilities", X86_HOST, ppc, KVM)
    assert code == 1
    (line,) = [l for l in out.splitlines() if l.startswith(ppc)]
    assert line.startswith(f"{ppc}:7:5: error: CAP502")        # the <type arch='ppc'> line
    assert "x86_64, i686" in line
    assert f"{KVM}:10:5: error: CAP505" in out                  # an emulator the host lacks


def test_compile_takes_emulator_and_machine_from_the_host(capsys, tmp_path):
    dom = tmp_path / "bare.xml"
    dom.write_text("<domain type='qemu'><name>bare</name><memory>65536</memory>"
                   "<os><type arch='x86_64'>hvm</type></os></domain>")
    code, out, err = run(capsys, "compile", str(dom), "--capabilities", X86_HOST,
                         "--format", "json", "--qemu-version", "7.2")
    assert code == 0, err
    argv = json.loads(out)
    assert argv[0] == "/usr/bin/qemu-system-x86_64"
    assert argv[argv.index("-machine") + 1].split(",")[0] == "pc-i440fx-7.2"


def test_unreadable_capabilities_file_is_a_usage_error(capsys):
    assert run(capsys, "compile", KVM, "--capabilities", "no/such/caps.xml")[0] == 2
    assert run(capsys, "validate", KVM, "--capabilities", "no/such/caps.xml")[0] == 2


def test_the_console_script_exits_fast_without_losing_output(tmp_path, capsys):
    """`virtc` (cli.run) ends with os._exit once its output is flushed: what it prints
    through a pipe and the files it writes are whole, and the exit status is main()'s."""
    import subprocess
    import sys

    from virtc.cli import main

    assert main(["rules", "--format", "markdown"]) == 0
    expected = capsys.readouterr().out
    proc = subprocess.run([sys.executable, "-m", "virtc", "rules", "--format", "markdown"],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout == expected and len(expected) > 20000
    out = tmp_path / "argv.txt"
    example = pathlib.Path(__file__).resolve().parent.parent / "examples" / "kvm-demo2.xml"
    proc = subprocess.run([sys.executable, "-m", "virtc", "compile", str(example), "-o",
                           str(out)], capture_output=True, text=True)
    assert proc.returncode == 0 and out.read_text().startswith("/") and out.read_text().endswith("\n")
    bad = tmp_path / "bad.xml"
    bad.write_text("<domain>")
    proc = subprocess.run([sys.executable, "-m", "virtc", "validate", str(bad)],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "XML001" in proc.stdout + proc.stderr
