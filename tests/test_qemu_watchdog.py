"""The <watchdog> family for QEMU: libvirt's devices and action, in libvirt's argv and in
the real QEMU."""
import json
import shlex

import pytest

import qemu_harness as harness
import virtc
from conftest import ROOT
from qemuopts import parse_opts
from virtc.backends.qemu.context import QemuContext
from virtc.backends.qemu.devices import watchdog as qemu_watchdog
from virtc.backends.qemu.dialects import get_dialect
from virtc.backends.qemu.opts import render
from virtc.compiler.diagnostics import Diagnostics
from virtc.compiler.networks import network_table
from virtc.pipeline import load_bytes

CORPUS = ROOT / "tests" / "corpus"
WITH_WATCHDOG = sorted(p for p in (CORPUS / "dumpxml").glob("*.xml")
                       if "<watchdog" in p.read_text())


def domain_with(devices: str, machine: str = "q35") -> bytes:
    return (f"<domain type='kvm'><name>t</name><memory unit='MiB'>128</memory>"
            f"<os><type arch='x86_64' machine='{machine}'>hvm</type></os>"
            f"<devices>{devices}</devices></domain>").encode()


def watchdog_facts(words, json_devices: bool):
    """The watchdog devices ({driver, id, bus, addr}), the action, and the -global that
    arms q35's iTCO, from an argv. `-watchdog-action X` and `-action watchdog=X` are the
    same setting (QEMU's one watchdog action), so both read as ("action", X)."""
    out = []
    for flag, value in zip(words, words[1:]):
        if flag == "-device":
            props = ({k: str(v) for k, v in json.loads(value).items()} if value.startswith("{")
                     else dict(parse_opts(value, "driver")))
            if props["driver"] in ("i6300esb", "ib700"):
                out.append(("device", props))
        elif flag == "-watchdog-action":
            out.append(("action", value))
        elif flag == "-action" and value.startswith("watchdog="):
            out.append(("action", value.split("=", 1)[1]))
        elif flag == "-global" and value.startswith("ICH9-LPC.noreboot"):
            out.append(("global", value))
    return out


def watchdog_argv(source: bytes, version: str):
    """What the watchdog builder gives for a document's <watchdog> devices (a corpus
    document holds families other helpers compile, so the whole argv may not exist yet)."""
    loaded = load_bytes(source, "t.xml")
    assert loaded.ok, loaded.diagnostics
    diags = Diagnostics()
    ctx = QemuContext(diags, get_dialect(version), network_table())
    options = [o for n in loaded.node.devices.families if n.TAG == "watchdog"
               for o in qemu_watchdog.build(n, loaded.node, ctx)]
    assert list(diags) == []
    return render(options, ctx.dialect, diags)


def test_the_corpus_has_watchdog_documents():
    assert len(WITH_WATCHDOG) >= 2


@pytest.mark.parametrize("path", WITH_WATCHDOG, ids=lambda p: p.stem)
@pytest.mark.parametrize("version", ["5.0", "7.2"])
def test_device_and_action_are_libvirts(path, version):
    ours = watchdog_argv(path.read_bytes(), version)
    theirs = watchdog_facts(shlex.split((CORPUS / "native" / f"{path.stem}.argv").read_text()),
                            True)
    assert watchdog_facts(ours, False) == theirs
    # Before 6.0, QEMU only knows -watchdog-action; from 6.0 virtc writes -action.
    assert ("-watchdog-action" in ours) == (version == "5.0")


@pytest.mark.parametrize("action, qemu", [
    ("reset", "reset"), ("shutdown", "shutdown"), ("poweroff", "poweroff"), ("pause", "pause"),
    ("none", "none"), ("inject-nmi", "inject-nmi"),
    # libvirt asks QEMU to pause, then dumps the guest itself (qemu_command.c).
    ("dump", "pause"),
])
def test_actions_are_spelled_as_libvirt_spells_them(action, qemu):
    result = virtc.compile(domain_with(f"<watchdog model='ib700' action='{action}'/>"),
                           qemu_version="7.2")
    assert result.argv is not None
    assert watchdog_facts(result.argv, False) == [
        ("device", {"driver": "ib700", "id": "watchdog0"}), ("action", qemu)]
    assert [d.code for d in result.diagnostics] == (["QEMU381"] if action == "dump" else [])


def test_itco_arms_q35s_timer():
    result = virtc.compile(domain_with("<watchdog model='itco' action='poweroff'/>"),
                           qemu_version="7.2")
    assert watchdog_facts(result.argv, False) == [
        ("global", "ICH9-LPC.noreboot=off"), ("action", "poweroff")]


@pytest.mark.parametrize("devices, machine, code", [
    ("<watchdog model='itco'/>", "pc", "QEMU380"),        # libvirt: only q35 has it
    ("<watchdog model='i6300esb' action='pause'/><watchdog model='ib700'/>", "q35", "QEMU380"),
    ("<watchdog model='diag288'/>", "q35", "QEMU320"),    # s390's
])
def test_what_qemu_cannot_give_the_guest_is_a_compile_error(devices, machine, code):
    assert virtc.validate(domain_with(devices, machine)) == []
    result = virtc.compile(domain_with(devices, machine), qemu_version="7.2")
    assert not result.ok and [d.code for d in result.errors] == [code]


@harness.needs_qemu
def test_real_qemu_builds_the_watchdogs():
    """QEMU 7.2 starts both devices with their action; QOM shows them, and q35's LPC
    bridge with its "no reboot" strap cleared, so the iTCO timer can reset the guest."""
    result = virtc.compile(domain_with(
        "<watchdog model='i6300esb' action='poweroff'/><watchdog model='ib700' action='poweroff'/>"
        "<watchdog model='itco' action='poweroff'/>"), qemu_version="7.2")
    assert result.ok, result.diagnostics
    wanted = [("/machine/peripheral/watchdog0", "type"), ("/machine/peripheral/watchdog1", "type"),
              ("/machine/acpi-device", "noreboot")]
    run = harness.run_guests([harness.Guest(result.argv, qom=wanted)])[0]
    assert run.started, run.stderr
    assert run.qom == {"/machine/peripheral/watchdog0 type": "i6300esb",
                       "/machine/peripheral/watchdog1 type": "ib700",
                       "/machine/acpi-device noreboot": False}
