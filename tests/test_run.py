"""`virtc run`: compile, prepare the host (swtpm, NVRAM, socket directories), run QEMU in the
foreground, and leave nothing behind. These tests run the real qemu-system-x86_64 (TCG: the
domains are type='qemu') and the real swtpm."""
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

import pytest

from qemu_harness import needs_qemu

pytestmark = [pytest.mark.qemu, needs_qemu]

TPM_GUEST = """<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>128</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <tpm model='tpm-crb'>
      <backend type='emulator' version='2.0'/>
    </tpm>
  </devices>
</domain>
"""


STARTED = []


def virtc(*args, **kw):
    proc = subprocess.Popen([sys.executable, "-m", "virtc", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    STARTED.append(proc)
    return proc


@pytest.fixture(autouse=True)
def _stop_what_a_failed_test_left():
    """A test that fails half-way must not leave a guest running: virtc stops its QEMU and
    helpers on SIGTERM, which is what this sends."""
    yield
    while STARTED:
        proc = STARTED.pop()
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()


class Qmp:
    """A QMP client on the socket `virtc run --qmp` asked for."""

    def __init__(self, path: pathlib.Path, proc: subprocess.Popen, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while True:
            assert proc.poll() is None, proc.communicate()
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(str(path))
                break
            except OSError:
                assert time.monotonic() < deadline, "QMP socket never appeared"
                time.sleep(0.05)
        self.reader = self.sock.makefile("r")
        json.loads(self.reader.readline())
        self.call("qmp_capabilities")

    def call(self, command, **arguments):
        msg = {"execute": command, **({"arguments": arguments} if arguments else {})}
        self.sock.sendall((json.dumps(msg) + "\n").encode())
        while True:
            reply = json.loads(self.reader.readline())
            if "event" not in reply:
                return reply.get("return", reply)


def processes_mentioning(text: str):
    """The processes whose command line mentions `text` (a runtime directory), but for the
    virtc and sh processes that started them."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        program = os.path.basename(cmdline.split(b"\0")[0])
        if text.encode() in cmdline and not program.startswith((b"python", b"sh")):
            found.append((int(pid), program.decode()))
    return found


@pytest.fixture
def guest(tmp_path):
    path = tmp_path / "tpm-guest.xml"
    path.write_text(TPM_GUEST.format(name="run-tpm"))
    return path


def test_sigterm_stops_qemu_and_swtpm_and_leaves_nothing(guest, tmp_path):
    run_dir, qmp_path = tmp_path / "run", tmp_path / "qmp" / "monitor.sock"
    proc = virtc("run", guest, "--qmp", qmp_path, "--runtime-dir", run_dir)
    qmp = Qmp(qmp_path, proc)
    # The guest's TPM is connected to the swtpm virtc started, in the runtime directory.
    assert qmp.call("query-tpm") == [{"model": "tpm-crb", "id": "tpm-tpm0", "options": {
        "type": "emulator", "data": {"chardev": "chrtpm"}}}]
    running = dict(processes_mentioning(str(run_dir)))
    assert sorted(running.values()) == ["qemu-system-x86_64", "swtpm"]
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    # QEMU shuts down on the SIGTERM virtc passes on, and exits 0; virtc exits with that.
    assert "terminating on signal 15" in err
    assert proc.returncode == 0
    for pid in running:
        assert not pathlib.Path(f"/proc/{pid}").exists(), f"{running[pid]} {pid} still runs"
    # The runtime directory was virtc's to make (it didn't exist), so it is gone; so is the
    # QMP socket. Only the directory the socket was in, which virtc made, stays (empty).
    assert not run_dir.exists()
    assert list((tmp_path / "qmp").iterdir()) == []


UEFI_TPM_GUEST = TPM_GUEST.replace(
    "<type arch='x86_64' machine='q35'>hvm</type>",
    "<type arch='x86_64' machine='q35'>hvm</type>\n"
    "    <loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>\n"
    "    <nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'>{nvram}</nvram>")


# The prefixes of the temporary directories other tests make in /tmp: tests/qemu_harness.py
# (virtc-qemu-), test_qemu_corpus_qmp.py (virtc-qmp-), test_escaping_qemu.py (virtc-names-).
SUITE_TEMP_DIRS = ("virtc-qemu-", "virtc-qmp-", "virtc-names-")


def test_a_uefi_guest_with_a_tpm_leaves_only_its_nvram(tmp_path):
    """issue 12, must-show 5: TPM (swtpm) and UEFI NVRAM; SIGTERM to virtc; QEMU and swtpm
    are gone, the exit status is QEMU's, and nothing is left but the NVRAM file, which virtc
    made from its template."""
    nvram = tmp_path / "state" / "guest_VARS.fd"
    path = tmp_path / "guest.xml"
    path.write_text(UEFI_TPM_GUEST.format(name="run-uefi", nvram=nvram))
    work = tmp_path / "work"
    work.mkdir()
    before = set(os.listdir("/tmp"))
    qmp_path = work / "qmp.sock"
    scratch = tmp_path / "tmp"          # TMPDIR of virtc and what it starts
    scratch.mkdir()
    proc = virtc("run", path, "--qmp", qmp_path, cwd=work,
                 env={**os.environ, "XDG_RUNTIME_DIR": str(work), "TMPDIR": str(scratch)})
    qmp = Qmp(qmp_path, proc)
    blocks = {b["device"] or b["qdev"]: b for b in qmp.call("query-block")}
    assert qmp.call("query-tpm")[0]["model"] == "tpm-crb"
    running = dict(processes_mentioning(str(work)))
    assert sorted(running.values()) == ["qemu-system-x86_64", "swtpm"]
    assert any(b.get("inserted", {}).get("file") == str(nvram) for b in blocks.values()), blocks
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "terminating on signal 15" in err
    for pid in running:
        assert not pathlib.Path(f"/proc/{pid}").exists(), f"{running[pid]} {pid} still runs"
    assert os.listdir(work) == []                            # runtime dir and QMP socket gone
    assert os.listdir(nvram.parent) == [nvram.name]          # the NVRAM file stays
    # (its contents are the guest's from the first boot on; its size is the template's)
    assert nvram.stat().st_size == pathlib.Path("/usr/share/OVMF/OVMF_VARS_4M.fd").stat().st_size
    assert os.listdir(scratch) == []
    # Nothing of this run in /tmp either. (Other processes, such as tests running alongside,
    # may come and go there: the directories the test suite's own helpers make are theirs.)
    assert {n for n in set(os.listdir("/tmp")) - before
            if any(w in n for w in ("virtc", "swtpm", "run-uefi", "qemu"))
            and not n.startswith(SUITE_TEMP_DIRS)} == set()


def test_exit_status_is_qemus(guest, tmp_path):
    qmp_path = tmp_path / "qmp.sock"
    proc = virtc("run", guest, "--qmp", qmp_path)
    qmp = Qmp(qmp_path, proc)
    pid = next(p for p, name in processes_mentioning(str(qmp_path)) if name.startswith("qemu"))
    os.kill(pid, signal.SIGKILL)            # QEMU dies of SIGKILL: 128 + 9
    proc.communicate(timeout=30)
    assert proc.returncode == 137
    assert processes_mentioning(f"virtc-run-tpm-{proc.pid}") == []

    proc = virtc("run", guest, "--qmp", qmp_path)
    Qmp(qmp_path, proc).call("quit")        # a clean quit: QEMU exits 0
    proc.communicate(timeout=30)
    assert proc.returncode == 0


def test_dry_run_prints_a_script_that_runs_as_it_is(guest, tmp_path):
    run_dir, qmp_path = tmp_path / "run", tmp_path / "qmp.sock"
    printed = virtc("run", guest, "--dry-run", "--qmp", qmp_path, "--runtime-dir", run_dir)
    script, err = printed.communicate(timeout=30)
    assert printed.returncode == 0, err
    assert not run_dir.exists()             # a dry run starts and makes nothing
    lines = script.splitlines()
    assert lines[0] == "#!/bin/sh"
    assert any(line.startswith("swtpm socket ") and line.endswith(" --terminate --tpm2 &")
               for line in lines)
    assert any(line.startswith("qemu-system-x86_64 -name guest=run-tpm ") for line in lines)
    path = tmp_path / "start.sh"
    path.write_text(script)
    proc = subprocess.Popen(["sh", str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    STARTED.append(proc)
    qmp = Qmp(qmp_path, proc)
    assert qmp.call("query-tpm")[0]["model"] == "tpm-crb"
    running = processes_mentioning(str(run_dir))
    assert sorted(name for _, name in running) == ["qemu-system-x86_64", "swtpm"]
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert processes_mentioning(str(run_dir)) == [] and not run_dir.exists()
    assert not qmp_path.exists()


def test_what_virtc_cannot_prepare_stops_the_run_before_anything_starts(guest, tmp_path):
    # swtpm not installed: a PATH that has QEMU but not swtpm.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    os.symlink(subprocess.check_output(["which", "qemu-system-x86_64"], text=True).strip(),
               bin_dir / "qemu-system-x86_64")
    run_dir = tmp_path / "run"
    proc = virtc("run", guest, "--runtime-dir", run_dir, env={**os.environ, "PATH": str(bin_dir)})
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert f"{guest}:6:5: error: RUN602 the emulated TPM tpm0 (<tpm>) needs swtpm" in err
    assert "apt-get install swtpm" in err
    assert not run_dir.exists() and out == ""

    # A runtime directory that can't be made: RUN604, and what was started is stopped.
    blocker = tmp_path / "file"
    blocker.write_text("")
    proc = virtc("run", guest, "--runtime-dir", blocker / "run")
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1 and "error: RUN604 runtime directory" in err
    assert processes_mentioning(str(blocker)) == []


def test_a_nic_needing_privileges_is_an_error_with_a_hint(tmp_path):
    path = tmp_path / "bridged.xml"
    path.write_text(TPM_GUEST.format(name="bridged").replace(
        "<devices>", "<devices>\n    <interface type='bridge'><source bridge='virtc-nobr0'/>"
        "<model type='virtio'/></interface>"))
    proc = virtc("run", path, "--qemu-version", "7.2")
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1, err
    assert "error: RUN601 <interface type='bridge'>: this host has no bridge named 'virtc-nobr0'" in err
    assert "/etc/qemu/bridge.conf" in err


def test_a_xen_guest_is_a_usage_error():
    proc = virtc("run", "examples/xen-pv-fc4.xml")
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2 and "xl create" in err


VIRTIOFS_GUEST = """<domain type='qemu'>
  <name>run-vfs</name>
  <memory unit='MiB'>128</memory>
  <memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <filesystem type='mount' accessmode='passthrough'>
      <driver type='virtiofs'/><source dir='{share}'/><target dir='share'/>
    </filesystem>
  </devices>
</domain>
"""


@pytest.mark.parametrize("doc, code", [("tpm", "QEMU330"), ("virtiofs", "QEMU383")])
def test_run_does_not_tell_the_user_to_start_the_helper_it_starts(doc, code, tmp_path):
    """`virtc compile` notes that the argv expects a swtpm (QEMU330) or a virtiofsd
    (QEMU383) to be listening; `virtc run` starts that helper itself, so it says nothing."""
    path = tmp_path / "guest.xml"
    path.write_text(TPM_GUEST.format(name="run-note") if doc == "tpm"
                    else VIRTIOFS_GUEST.format(share=tmp_path))
    _, compiled = virtc("compile", path).communicate(timeout=30)
    assert code in compiled
    proc = virtc("run", "--dry-run", path, "--runtime-dir", tmp_path / "run")
    script, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert code not in err and script.startswith("#!/bin/sh")
