"""`virtc run FILE`: compile a domain, prepare the host as libvirt's start would, and run
QEMU in the foreground.

    virtc run guest.xml [--qmp PATH] [--dry-run] [--runtime-dir DIR] [--qemu-version X.Y] …

1. Compile for QEMU (any finding stops here, exit 1, nothing started).
2. Check what plain QEMU would need and virtc can't make (RUN6xx): a tap device without
   root, a bridge qemu-bridge-helper may not use, swtpm not installed, an NVRAM template
   missing (a macvtap device, <interface type='direct'>, already stopped step 1: QEMU430).
   Any of these stops here too, before anything starts.
3. Carry out the host plan (backends/qemu/host.py): the runtime directory, the NVRAM copy,
   socket directories, then the helpers (swtpm), each waited for until its socket exists.
4. Run QEMU with the terminal's stdin/stdout/stderr. SIGINT, SIGTERM and SIGHUP are passed
   to QEMU as SIGTERM (QEMU then shuts the guest down and exits).
5. Afterwards, whatever happened: the helpers are stopped (SIGTERM, then SIGKILL after
   5 s) and reaped, and the runtime directory and the QMP socket are removed. The NVRAM
   file stays: it is the guest's. virtc exits with QEMU's status (128+N when a signal N
   killed it).

`--dry-run` prints the same steps as a POSIX shell script instead, which runs as it is.
"""
from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from typing import Dict, List, Optional

from ..backends.qemu.host import CopyFile, Helper, MakeDir, host_plan
from ..compiler.diagnostics import Diagnostics
from ..compiler.rules.codes import RUN601, RUN602, RUN603, RUN604, RUN605, RUN606, RUN607


EXIT_FINDINGS = 1
READY_TIMEOUT = 10.0        # seconds a helper has to open its socket
STOP_TIMEOUT = 5.0          # seconds a helper has to exit after SIGTERM
BRIDGE_CONF = "/etc/qemu/bridge.conf"


def cmd_run(args) -> int:
    from ..pipeline import CompileOptions, UnknownVersion, compile_loaded, load_file, load_networks
    from . import UsageError, _print_diagnostics

    try:
        loaded = load_file(args.path, max_size=args.max_size)
        side = Diagnostics()
        networks = load_networks(args.network, side) if loaded.ok else None
    except OSError as exc:
        raise UsageError(f"{exc.filename or args.path}: {exc.strerror or exc}")
    if loaded.ok and getattr(loaded.node, "type", None) is not None \
            and loaded.node.type.value == "xen":
        raise UsageError("virtc run starts QEMU and KVM guests; start a Xen guest with "
                         "`virtc compile --target xen-xl` and `xl create`")
    name = getattr(loaded.node, "name", None) or "guest"
    run_dir = args.runtime_dir or _default_runtime_dir(name, unique=not args.dry_run)
    qmp = os.path.abspath(args.qmp) if args.qmp else None
    options = CompileOptions("qemu", networks, args.qemu_version, args.emulator,
                             runtime_dir=run_dir, qmp=qmp)
    try:
        compiled = compile_loaded(loaded, options) if not side.has_errors else None
    except UnknownVersion as exc:
        raise UsageError(str(exc))
    diags = Diagnostics(side.items + (compiled.diagnostics if compiled else list(loaded.diagnostics)))
    if compiled is None or not compiled.ok:
        _print_diagnostics(diags)
        return EXIT_FINDINGS
    domain, argv = loaded.node, list(compiled.output)
    plan = host_plan(domain, run_dir)
    if qmp:
        plan.insert(1, MakeDir(os.path.dirname(qmp), "the QMP socket's directory"))
    preflight(domain, plan, networks, diags)
    links = _links_down(domain, run_dir, argv, diags)
    # A note that the argv expects a helper (swtpm: QEMU330, virtiofsd: QEMU383) is what
    # run settles by starting it; QEMU431 (a NIC's link must be set down over QMP) is what
    # it settles by setting the link.
    from ..compiler.devices.interface import QEMU431

    settled = {s.settles for s in plan if isinstance(s, Helper) and s.settles}
    if links is not None:
        settled.add(QEMU431.code)
    _print_diagnostics([d for d in diags if d.code not in settled])
    if diags.has_errors:
        return EXIT_FINDINGS
    if args.dry_run:
        sys.stdout.write(script(plan, argv, run_dir, qmp, links, env=compiled.env))
        return 0
    return Runner(plan, argv, run_dir, qmp, owns_run_dir=not os.path.exists(run_dir),
                  links=links, env=compiled.env).run()


def _default_runtime_dir(name: str, unique: bool) -> str:
    """$XDG_RUNTIME_DIR (else /tmp) / virtc-NAME, with the process id for a real run so that
    two runs never share sockets; a dry run's script makes and removes its own."""
    base = os.environ.get("XDG_RUNTIME_DIR") or "/tmp"
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:64]
    return os.path.join(base, f"virtc-{safe}" + (f"-{os.getpid()}" if unique else ""))


# ---------------------------------------------------------------------------- preflight

def preflight(domain, plan, networks, diags: Diagnostics) -> None:
    """What virtc can't prepare, as RUN6xx errors, before anything starts."""
    _interfaces(domain, networks, diags)
    import shutil

    for step in plan:
        if isinstance(step, Helper) and shutil.which(step.program) is None:
            diags.add(RUN602, f"{step.why} needs {step.program}, which is not installed",
                      step.span, hint=f"install {step.program} (Debian: apt-get install "
                      f"{step.program}), or remove the device")
        if isinstance(step, CopyFile) and not os.path.exists(step.target) \
                and not os.path.isfile(step.source):
            diags.add(RUN603, f"{step.target} doesn't exist, and its template {step.source} "
                      "doesn't either", step.span,
                      hint="install the firmware package (Debian: ovmf), or fix template=")


def _interfaces(domain, networks, diags: Diagnostics) -> None:
    from ..compiler.networks import resolve_bridge

    root = os.geteuid() == 0
    for iface in domain.devices.interfaces:
        kind = iface.type.value
        _vhost_user_socket(iface, diags)
        _forwarded_ports(iface, diags)
        # type='direct' (macvtap) never gets here: it doesn't compile (QEMU430).
        if kind == "ethernet" and not root:
            diags.add(RUN601, "<interface type='ethernet'> needs a tap device, which only root "
                      "can create", iface.span,
                      hint="run virtc as root, or use <interface type='user'>")
        elif kind in ("bridge", "network"):
            bridge = iface.bridge if kind == "bridge" else resolve_bridge(iface.network or "",
                                                                          networks or {})
            problem = _bridge_problem(bridge or "")
            if problem:
                diags.add(RUN601, f"<interface type='{kind}'>: {problem}", iface.span,
                          hint=f"create the bridge and add `allow {bridge}` to {BRIDGE_CONF} "
                          "(qemu-bridge-helper puts the tap in it), or use "
                          "<interface type='user'>")


def _vhost_user_socket(iface, diags: Diagnostics) -> None:
    """A vhost-user NIC in client mode needs its back end listening first (RUN605), unless
    it reconnects (QEMU then waits for the back end)."""
    source = iface.source
    if iface.type.value != "vhostuser" or source is None or source.mode != "client":
        return
    if source.reconnect is not None and source.reconnect.enabled:
        return
    import stat

    try:
        listening = stat.S_ISSOCK(os.stat(source.path or "").st_mode)
    except OSError:
        listening = False
    if not listening:
        diags.add(RUN605, f"<interface type='vhostuser'>: nothing listens on {source.path}, "
                  "and QEMU (the client) would stop at start", iface.where(source),
                  hint="start the vhost-user back end first, or add <reconnect enabled='yes' "
                  "timeout='5'/> inside <source> so that QEMU waits for it")


def _forwarded_ports(iface, diags: Diagnostics) -> None:
    """Each host port a user-mode NIC forwards must be free (RUN606): QEMU binds them all at
    start."""
    if iface.type.value != "user" or not iface.port_forwards:
        return
    import socket

    for forward in iface.port_forwards:
        kind = socket.SOCK_DGRAM if forward.proto == "udp" else socket.SOCK_STREAM
        for r in forward.ranges:
            if r.exclude or r.start is None:
                continue
            for port in range(r.start, (r.end or r.start) + 1):
                with socket.socket(socket.AF_INET, kind) as probe:
                    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    try:
                        probe.bind((forward.address or "0.0.0.0", port))
                    except OSError as exc:
                        diags.add(RUN606, f"<portForward proto='{forward.proto}'>: host port "
                                  f"{port} can't be forwarded ({exc.strerror})", r.span,
                                  hint="forward from a free port, e.g. <range start='2222' "
                                  "to='22'/>, or stop what holds it")
                        return


def _links_down(domain, run_dir: str, argv: List[str], diags: Diagnostics):
    """For NICs with <link state='down'>: QEMU starts paused (-S) with a monitor of virtc's
    own, and LinkSetter sets each link down before the guest runs, as libvirt's
    qemuProcessSetLinkStates does. Returns (socket, names), or None when no link is down."""
    from ..backends.qemu.devices.interface import link_down_names

    names = link_down_names(domain)
    if not names:
        return None
    for name, span in names:
        if name is None:
            diags.add(RUN607, "<link state='down'> on a NIC that has no QEMU name (a null "
                      "interface without an alias) can't be set", span,
                      hint="give the interface an <alias name='ua-nic0'/>")
    sock = os.path.join(run_dir, "virtc-links.qmp")
    argv += ["-chardev", "socket,id=virtc-links,path=" + sock.replace(",", ",,")
             + ",server=on,wait=off", "-mon", "chardev=virtc-links,mode=control", "-S"]
    return sock, [name for name, _ in names if name is not None]


# Sets each NIC's link down over QMP, then lets the guest run: `python3 -c SET_LINKS SOCKET
# NAME…`. One source for `virtc run` and its --dry-run script.
SET_LINKS = r"""
import json, os, socket, sys, time
path, names = sys.argv[1], sys.argv[2:]
deadline = time.time() + 10
while True:
    try:
        conn = socket.socket(socket.AF_UNIX)
        conn.connect(path)
        break
    except OSError:
        if time.time() > deadline:
            sys.exit("virtc: QEMU's monitor %s did not open" % path)
        time.sleep(0.05)
reader = conn.makefile("r")
json.loads(reader.readline())
def call(command, **arguments):
    conn.sendall(json.dumps({"execute": command, "arguments": arguments}).encode() + b"\n")
    while True:
        reply = json.loads(reader.readline())
        if "event" not in reply:
            if "error" in reply:
                sys.exit("virtc: QMP %s %s: %s" % (command, arguments,
                                                     reply["error"].get("desc")))
            return reply
call("qmp_capabilities")
for name in names:
    call("set_link", name=name, up=False)
call("cont")
"""


def _bridge_problem(bridge: str) -> Optional[str]:
    if not os.path.isdir(f"/sys/class/net/{bridge}/bridge"):
        return f"this host has no bridge named {bridge!r}"
    if not _bridge_allowed(bridge, BRIDGE_CONF, 0):
        return f"qemu-bridge-helper may not use bridge {bridge!r} ({BRIDGE_CONF} doesn't allow it)"
    return None


def _bridge_allowed(bridge: str, path: str, depth: int) -> bool:
    """qemu-bridge-helper's ACL: `allow NAME|all`, `deny NAME|all`, `include FILE`; the last
    matching line decides, and nothing allowed means denied."""
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return False
    allowed = False
    for line in lines:
        words = line.split("#", 1)[0].split()
        if len(words) != 2:
            continue
        verb, arg = words
        if verb == "include" and depth < 8:
            allowed = _bridge_allowed(bridge, arg, depth + 1) or allowed
        elif verb in ("allow", "deny") and arg in ("all", bridge):
            allowed = verb == "allow"
    return allowed


# ------------------------------------------------------------------------------ dry run

def script(plan, argv: List[str], run_dir: str, qmp: Optional[str], links=None,
           env: Optional[Dict[str, str]] = None) -> str:
    """The plan as a POSIX shell script that does what `virtc run` does; `env` (the
    domain's <qemu:env>) is set for QEMU alone, as assignments before its command."""
    q = shlex.quote
    lines = ["#!/bin/sh", "# virtc run --dry-run: the steps `virtc run` takes, as commands",
             "set -u", "helpers=", "cleanup() {",
             '    for pid in $helpers; do kill "$pid" 2>/dev/null; done',
             '    for pid in $helpers; do wait "$pid" 2>/dev/null; done',
             f"    rm -rf -- {q(run_dir)}" + (f"; rm -f -- {q(qmp)}" if qmp else ""),
             "}", "trap cleanup EXIT", "trap 'exit 143' TERM", "trap 'exit 130' INT"]
    for step in plan:
        if isinstance(step, MakeDir):
            lines.append(f"mkdir -p -- {q(step.path)} || exit 1    # {step.why}")
        elif isinstance(step, CopyFile):
            lines.append(f"[ -e {q(step.target)} ] || cp -- {q(step.source)} {q(step.target)} "
                         f"|| exit 1    # {step.why}")
        elif isinstance(step, Helper):
            lines += [f"# {step.why}",
                      " ".join(q(a) for a in step.argv) + " &",
                      'helpers="$helpers $!"',
                      f"n=0; until [ -S {q(step.ready)} ]; do n=$((n+1)); "
                      f"[ $n -le {int(READY_TIMEOUT * 10)} ] || "
                      f"{{ echo '{step.program} did not start' >&2; exit 1; }}; sleep 0.1; done"]
    # QEMU runs as a job so that the TERM trap can pass the signal on; fd 3 keeps the
    # terminal's stdin, which sh would otherwise replace by /dev/null for a job.
    lines += ["# QEMU, in the foreground; the script exits with its status",
              "exec 3<&0",
              " ".join([f"{k}={q(v)}" for k, v in (env or {}).items()]
                       + [q(a) for a in argv]) + " <&3 3<&- &",
              "qemu=$!", "trap 'kill -TERM $qemu' TERM INT HUP"]
    if links is not None:
        sock, names = links
        lines += ["# the NICs' <link state='down'>, set over QMP before the guest runs",
                  " ".join(q(a) for a in (sys.executable, "-c", SET_LINKS, sock, *names))
                  + " || kill -TERM $qemu"]
    lines += ['while :; do wait "$qemu"; status=$?; kill -0 "$qemu" 2>/dev/null || break; done',
              'exit "$status"']
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------- run

class Runner:
    """Carries out a host plan, runs QEMU, and always cleans up after it."""

    def __init__(self, plan, argv: List[str], run_dir: str, qmp: Optional[str],
                 owns_run_dir: bool, links=None, env: Optional[Dict[str, str]] = None) -> None:
        self.plan, self.argv, self.run_dir, self.qmp = plan, argv, run_dir, qmp
        self.env = env or {}          # the domain's <qemu:env>, on top of ours
        self.links = links
        self.owns_run_dir = owns_run_dir
        self.helpers: List[subprocess.Popen] = []
        self.qemu: Optional[subprocess.Popen] = None
        self.stop_signal: Optional[int] = None

    def run(self) -> int:
        previous = {sig: signal.signal(sig, self._on_signal)
                    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        try:
            problem = self._prepare()
            if problem is not None:
                print(problem, file=sys.stderr)
                return EXIT_FINDINGS
            if self.stop_signal is not None:
                return 128 + self.stop_signal
            self.qemu = subprocess.Popen(
                self.argv, env={**os.environ, **self.env} if self.env else None)
            if self.stop_signal is not None:        # a signal came while QEMU started
                self.qemu.send_signal(signal.SIGTERM)
            elif self.links is not None:
                problem = self._set_links()
                if problem is not None:
                    print(problem, file=sys.stderr)
                    return EXIT_FINDINGS
            status = self.qemu.wait()
            return 128 - status if status < 0 else status
        finally:
            self._cleanup()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _on_signal(self, signum, frame) -> None:
        self.stop_signal = signum
        if self.qemu is not None and self.qemu.poll() is None:
            self.qemu.send_signal(signal.SIGTERM)

    def _prepare(self) -> Optional[str]:
        """Each step in order; the first failure as a RUN604 message, else None."""
        import shutil

        for step in self.plan:
            if self.stop_signal is not None:
                return None
            try:
                if isinstance(step, MakeDir):
                    os.makedirs(step.path, mode=0o700, exist_ok=True)
                elif isinstance(step, CopyFile):
                    if not os.path.exists(step.target):
                        partial = f"{step.target}.virtc-tmp"
                        shutil.copyfile(step.source, partial)
                        os.replace(partial, step.target)
                elif isinstance(step, Helper):
                    problem = self._start(step)
                    if problem:
                        return problem
            except OSError as exc:
                return (f"{_where(step)}error: RUN604 {step.why}: "
                        f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
        return None

    def _start(self, step: Helper) -> Optional[str]:
        log_path = os.path.join(self.run_dir,
                                f"{os.path.basename(step.program)}-{len(self.helpers)}.log")
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(step.argv, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        self.helpers.append(proc)
        deadline = time.monotonic() + READY_TIMEOUT
        while not os.path.exists(step.ready):
            if proc.poll() is not None or time.monotonic() > deadline \
                    or self.stop_signal is not None:
                if self.stop_signal is not None:
                    return None
                with open(log_path, encoding="utf-8", errors="replace") as fh:
                    said = " ".join(fh.read().split())[:300]
                how = (f"exited with status {proc.returncode}" if proc.returncode is not None
                       else f"did not open {step.ready} within {READY_TIMEOUT:.0f} s")
                return (f"{_where(step)}error: RUN604 {step.program} ({step.why}) {how}"
                        + (f": {said}" if said else ""))
            time.sleep(0.02)
        return None

    def _set_links(self) -> Optional[str]:
        """Each NIC's link down, then `cont` (SET_LINKS); a RUN607 message on failure."""
        sock, names = self.links
        proc = subprocess.run([sys.executable, "-c", SET_LINKS, sock, *names],
                              capture_output=True, text=True)
        if proc.returncode == 0 or self.stop_signal is not None:
            return None
        said = " ".join(proc.stderr.split())[-300:]
        return f"error: RUN607 the NICs' link state could not be set over QMP: {said}"

    def _cleanup(self) -> None:
        import shutil

        if self.qemu is not None and self.qemu.poll() is None:
            self.qemu.send_signal(signal.SIGTERM)
            try:
                self.qemu.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.qemu.kill()
                self.qemu.wait()
        for proc in self.helpers:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.helpers:
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.owns_run_dir:
            shutil.rmtree(self.run_dir, ignore_errors=True)
        if self.qmp and os.path.exists(self.qmp):
            try:
                os.unlink(self.qmp)
            except OSError:
                pass


def _where(step) -> str:
    span = getattr(step, "span", None)
    return f"{span}: " if span is not None and span.line else ""
