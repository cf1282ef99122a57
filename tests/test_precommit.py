"""The pre-commit hooks, run by the real `pre-commit` tool as a user's repository would.

`pre-commit try-repo` installs virtc from a git snapshot of this checkout into its own
virtualenv (pip may fetch lxml, xmlschema and jinja2 from PyPI), then runs the hook over
one good and one bad domain in a throwaway repository.
"""
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

pytest.importorskip("pre_commit", reason="pre-commit is in the test extra")
pytestmark = pytest.mark.skipif(not shutil.which("git"), reason="git is not installed")

GOOD = (ROOT / "examples" / "kvm-demo2.xml").read_text()
BAD = (ROOT / "tests" / "golden" / "bad-spec-qemu-as-printed.xml").read_text()
XEN_USER_NET = (ROOT / "tests" / "golden" / "bad-xen-user-net.xml").read_text()
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}


def git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, **GIT_ENV})


def _project_files():
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                         cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return [p for p in out.splitlines() if (ROOT / p).is_file()]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """(hook repository, user repository, environment): both fresh git repositories."""
    base = tmp_path_factory.mktemp("precommit")
    hooks = base / "virtc"
    for rel in _project_files():
        dest = hooks / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest)
    git(hooks, "init", "-q")
    git(hooks, "add", "-A")
    git(hooks, "commit", "-q", "-m", "snapshot")
    user = base / "user"
    user.mkdir()
    (user / "good.xml").write_text(GOOD)
    (user / "bad.xml").write_text(BAD)
    (user / "xen-user-net.xml").write_text(XEN_USER_NET)
    git(user, "init", "-q")
    git(user, "add", "-A")
    environ = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(base / "cache")}
    environ.pop("VIRTUAL_ENV", None)
    return hooks, user, environ


def try_repo(env, hook, *files):
    hooks, user, environ = env
    exe = shutil.which("pre-commit") or sys.executable
    cmd = [exe] if exe.endswith("pre-commit") else [exe, "-m", "pre_commit"]
    proc = subprocess.run([*cmd, "try-repo", str(hooks), hook, "--files", *files],
                          cwd=user, capture_output=True, text=True, env=environ, timeout=900)
    return proc.returncode, proc.stdout + proc.stderr


def test_validate_hook_passes_a_good_domain(env):
    code, out = try_repo(env, "virtc-validate", "good.xml")
    assert code == 0, out
    assert "Passed" in out


def test_validate_hook_fails_a_bad_domain_at_the_defect(env):
    code, out = try_repo(env, "virtc-validate", "bad.xml")
    assert code == 1, out
    assert "Failed" in out and "bad.xml:23:9: error: XSD102" in out


def test_compile_check_catches_what_only_the_backend_knows(env):
    code, out = try_repo(env, "virtc-validate", "xen-user-net.xml")
    assert code == 0, out
    code, out = try_repo(env, "virtc-compile-check", "xen-user-net.xml")
    assert code == 1, out
    assert "XEN402" in out


def test_compile_check_passes_a_good_domain(env):
    code, out = try_repo(env, "virtc-compile-check", "good.xml")
    assert code == 0, out
