import os
import pathlib

import pytest
from hypothesis import settings

# `HYPOTHESIS_PROFILE=manual pytest …` runs every property with many more examples
# (docs/fuzzing.md); the default profile is hypothesis's own.
settings.register_profile("manual", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = pathlib.Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
EXAMPLES = ROOT / "examples"


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
