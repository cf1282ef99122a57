import os
import pathlib
import subprocess
import sys

import pytest
from hypothesis import settings

# `HYPOTHESIS_PROFILE=manual pytest …` runs every property with many more examples
# (docs/fuzzing.md); the default profile is hypothesis's own.
settings.register_profile("manual", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = pathlib.Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def virtc_wheel(tmp_path_factory) -> pathlib.Path:
    """virtc built as a wheel from this tree, as `pip install .` would install it."""
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    (path,) = out.glob("virtc-*.whl")
    return path


@pytest.fixture(autouse=True)
def _repo_cwd(monkeypatch):
    """Run every test from the repository root so that reported paths are stable."""
    monkeypatch.chdir(ROOT)


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Keep the QEMU version cache out of the user's home."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture(autouse=True)
def _headless_sdl(monkeypatch):
    """Real QEMU runs with -display sdl have no X server here: SDL's dummy driver stands in."""
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
