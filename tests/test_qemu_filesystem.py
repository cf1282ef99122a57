"""The <filesystem> family for QEMU: 9p and virtiofs as libvirt writes them, in libvirt's
argv, in the real QEMU, and under `virtc run` with the real virtiofsd."""
import json
import os
import pathlib
import shlex
import signal
import subprocess
import sys
import time

import pytest

import qemu_harness as harness
import virtc
from conftest import ROOT
from qemuopts import IMPLIED, parse_opts
from virtc.backends.qemu.context import QemuContext
from virtc.backends.qemu.devices import filesystem as qemu_fs
from virtc.backends.qemu.dialects import get_dialect
from virtc.backends.qemu.devices.filesystem import virtiofsd_program
from virtc.backends.qemu.host import Helper, host_plan
from virtc.backends.qemu.opts import render
from virtc.compiler.diagnostics import Diagnostics
from virtc.compiler.networks import network_table
from virtc.pipeline import load_bytes

CORPUS = ROOT / "tests" / "corpus"
WITH_FS = sorted(p for p in (CORPUS / "dumpxml").glob("*.xml") if "<filesystem" in p.read_text())
SHARED = "<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>"


def domain_with(devices: str, backing: str = SHARED, name: str = "t") -> bytes:
    return (f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>128</memory>{backing}"
            f"<os><type arch='x86_64' machine='q35'>hvm</type></os>"
            f"<devices>{devices}</devices></domain>").encode()


def fs_options(source: bytes, runtime_dir=None, version="7.2"):
    """(flag, {key: value}) for what the filesystem builder gives, and the codes reported."""
    loaded = load_bytes(source, "t.xml")
    assert loaded.ok, loaded.diagnostics
    diags = Diagnostics()
    ctx = QemuContext(diags, get_dialect(version), network_table(), runtime_dir=runtime_dir)
    options = [o for n in loaded.node.devices.families if n.TAG == "filesystem"
               for o in qemu_fs.build(n, loaded.node, ctx)]
    words = render(options, ctx.dialect, diags) or []
    return ([(f, dict(parse_opts(v, IMPLIED[f]))) for f, v in zip(words[::2], words[1::2])],
            [d.code for d in diags])


def libvirt_fs_options(name: str):
    words = shlex.split((CORPUS / "native" / f"{name}.argv").read_text())
    out = []
    for flag, value in zip(words, words[1:]):
        if flag == "-fsdev":
            out.append((flag, dict(parse_opts(value, IMPLIED[flag]))))
        elif flag == "-chardev" and value.startswith("socket,id=chr-vu-"):
            out.append((flag, dict(parse_opts(value, IMPLIED[flag]))))
        elif flag == "-device" and value.startswith("{") and (
                "9p" in value or "vhost-user-fs" in value):
            out.append((flag, {k: str(v) for k, v in json.loads(value).items()}))
    return out


def test_the_corpus_has_filesystem_documents():
    assert {p.stem for p in WITH_FS} >= {"fs-9p", "virtiofs"}


@pytest.mark.parametrize("path", WITH_FS, ids=lambda p: p.stem)
def test_options_are_libvirts(path):
    text = path.read_text()
    # The virtiofs share sits behind a pcie-root-port (bus 1): placed there, as libvirt does.
    ours, codes = fs_options(text.encode(), runtime_dir="/var/lib/libvirt/qemu/domain--1-"
                             + text.split("<name>")[1].split("</name>")[0][:20])
    theirs = libvirt_fs_options(path.stem)
    # libvirt writes a read-only export as a bare `readonly`; QEMU reads it as readonly=on.
    theirs = [(f, {k: ("on" if k == "readonly" and v is None else v) for k, v in o.items()})
              for f, o in theirs]
    assert ours == theirs
    assert codes == []


@pytest.mark.parametrize("fs, fsdev, device", [
    # No accessmode: libvirt's parser makes it passthrough.
    ("<filesystem><source dir='/srv'/><target dir='t'/></filesystem>",
     "local,security_model=passthrough,id=fsdev-fs0,path=/srv",
     "virtio-9p-pci,id=fs0,fsdev=fsdev-fs0,mount_tag=t"),
    # squash is QEMU's security_model=none; the path's comma is doubled.
    ("<filesystem accessmode='squash' multidevs='remap' fmode='644' dmode='0755'>"
     "<source dir='/srv/a,b'/><target dir='t'/><readonly/></filesystem>",
     "local,security_model=none,multidevs=remap,fmode=644,dmode=0755,id=fsdev-fs0,"
     "path=/srv/a,,b,readonly=on",
     "virtio-9p-pci,id=fs0,fsdev=fsdev-fs0,mount_tag=t"),
    ("<filesystem model='virtio-non-transitional'><driver type='path'/><source dir='/srv'/>"
     "<target dir='t'/></filesystem>",
     "local,security_model=passthrough,id=fsdev-fs0,path=/srv",
     "virtio-9p-pci-non-transitional,id=fs0,fsdev=fsdev-fs0,mount_tag=t"),
])
def test_9p(fs, fsdev, device):
    result = virtc.compile(domain_with(fs), qemu_version="7.2")
    assert result.ok, result.diagnostics
    argv = result.argv
    assert argv[argv.index("-fsdev") + 1] == fsdev
    assert device in argv


def test_virtiofs_needs_shared_memory():
    fs = "<filesystem><driver type='virtiofs'/><source dir='/srv'/><target dir='t'/></filesystem>"
    assert virtc.validate(domain_with(fs, backing="")) == []
    result = virtc.compile(domain_with(fs, backing=""), qemu_version="7.2")
    assert not result.ok and [d.code for d in result.errors] == ["QEMU382"]


def test_compile_notes_that_virtiofs_needs_virtiofsd():
    fs = ("<filesystem><driver type='virtiofs' queue='1024'/><source dir='/srv'/>"
          "<target dir='t'/></filesystem>")
    options, codes = fs_options(domain_with(fs))
    assert codes == ["QEMU383"]
    assert options == [
        ("-chardev", {"backend": "socket", "id": "chr-vu-fs0", "path": "/run/virtc/t/fs0-fs.sock"}),
        ("-device", {"driver": "vhost-user-fs-pci", "id": "fs0", "chardev": "chr-vu-fs0",
                     "queue-size": "1024", "tag": "t"})]


def test_a_virtiofsd_of_ones_own_is_reached_on_its_socket():
    fs = ("<filesystem><driver type='virtiofs'/><source socket='/run/my.sock'/>"
          "<target dir='t'/></filesystem>")
    options, codes = fs_options(domain_with(fs))
    assert codes == [] and options[0][1]["path"] == "/run/my.sock"
    loaded = load_bytes(domain_with(fs), "t.xml")
    assert not [s for s in host_plan(loaded.node, "/run/x") if isinstance(s, Helper)]


def test_virtiofsd_gets_libvirts_options():
    fs = ("<filesystem><driver type='virtiofs'/><binary path='/opt/virtiofsd' xattr='on'>"
          "<cache mode='always'/><sandbox mode='chroot'/><lock posix='on' flock='off'/>"
          "<thread_pool size='16'/></binary><source dir='/srv'/><target dir='t'/></filesystem>")
    loaded = load_bytes(domain_with(fs), "t.xml")
    (helper,) = [s for s in host_plan(loaded.node, "/run/x") if isinstance(s, Helper)]
    assert helper.argv == ("/opt/virtiofsd", "--socket-path=/run/x/fs0-fs.sock", "-o",
                           "source=/srv", "-o", "cache=always", "-o", "sandbox=chroot", "-o",
                           "xattr", "-o", "posix_lock", "-o", "no_flock",
                           "--thread-pool-size=16")
    assert helper.ready == "/run/x/fs0-fs.sock"


@pytest.mark.parametrize("fs", [
    "<filesystem type='ram'><source usage='1024'/><target dir='/m'/></filesystem>",
    "<filesystem><driver type='handle'/><source dir='/srv'/><target dir='t'/></filesystem>",
    "<filesystem accessmode='mapped'><driver type='virtiofs'/><source dir='/srv'/>"
    "<target dir='t'/></filesystem>",
    "<filesystem><driver type='virtiofs'/><source dir='/srv'/><target dir='t'/><readonly/>"
    "</filesystem>",
])
def test_what_virtc_cannot_build_is_reported(fs):
    result = virtc.compile(domain_with(fs), qemu_version="7.2")
    assert not result.ok and "QEMU320" in [d.code for d in result.errors]


@harness.needs_qemu
def test_real_qemu_exports_9p(tmp_path):
    (tmp_path / "share").mkdir()
    result = virtc.compile(domain_with(
        f"<filesystem accessmode='mapped'><source dir='{tmp_path}/share'/><target dir='tag9'/>"
        "<readonly/></filesystem>"), qemu_version="7.2")
    assert result.ok, result.diagnostics
    run = harness.run_guests([harness.Guest(result.argv, qom=[
        ("/machine/peripheral/fs0", "mount_tag"), ("/machine/peripheral/fs0", "fsdev")])])[0]
    assert run.started, run.stderr
    assert run.qom == {"/machine/peripheral/fs0 mount_tag": "tag9",
                       "/machine/peripheral/fs0 fsdev": "fsdev-fs0"}


VIRTIOFSD = virtiofsd_program(None)


@harness.needs_qemu
# Debian's qemu-system-common ships QEMU 7.2's virtiofsd (/usr/lib/qemu), so CI, which
# requires QEMU, requires it too.
@pytest.mark.skipif(not os.path.isabs(VIRTIOFSD) and not harness.REQUIRE,
                    reason="virtiofsd is not installed")
def test_virtc_run_starts_virtiofsd_and_stops_it(tmp_path):
    """The guest's vhost-user-fs device is connected to the virtiofsd that virtc run
    started in the runtime directory; on SIGTERM both are gone, and so is the directory."""
    from test_run import Qmp, processes_mentioning

    (tmp_path / "share").mkdir()
    guest = tmp_path / "fs.xml"
    guest.write_bytes(domain_with(
        f"<filesystem><driver type='virtiofs'/><source dir='{tmp_path}/share'/>"
        "<target dir='hosttag'/></filesystem>", name="run-fs"))
    run_dir, qmp_path = tmp_path / "run", tmp_path / "qmp.sock"
    proc = subprocess.Popen([sys.executable, "-m", "virtc", "run", str(guest), "--qmp",
                             str(qmp_path), "--runtime-dir", str(run_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    qmp = Qmp(qmp_path, proc)
    assert qmp.call("qom-get", path="/machine/peripheral/fs0", property="tag") == "hosttag"
    assert qmp.call("qom-get", path="/machine/peripheral/fs0", property="chardev") == "chr-vu-fs0"
    running = dict(processes_mentioning(str(run_dir)))
    # (QEMU 7.2's C virtiofsd forks into its sandbox: two processes of that name.)
    assert set(running.values()) == {"qemu-system-x86_64", os.path.basename(VIRTIOFSD)}
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)
    assert proc.returncode == 0
    deadline = time.monotonic() + 10
    while any(pathlib.Path(f"/proc/{pid}").exists() for pid in running):
        assert time.monotonic() < deadline, "a process outlived virtc run"
        time.sleep(0.1)
    assert not run_dir.exists()
