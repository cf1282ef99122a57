"""Writing results: atomically, so that a failure never leaves a partial or changed file."""
from __future__ import annotations

import os


class OutputError(OSError):
    """The output file could not be written; the old file (if any) is untouched."""


def write_atomically(path: str, text: str) -> None:
    """Write through a temporary file in the same folder and rename it over `path`.

    On any failure the old file is untouched and the temporary file is removed.
    """
    import tempfile

    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".virtc-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"{path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        if os.path.exists(path):
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise OutputError(f"{path}: {exc.strerror or exc}") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
