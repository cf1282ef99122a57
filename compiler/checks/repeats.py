"""Finding values used twice, reported at the second use (the first is named in the hint)."""
from __future__ import annotations

from typing import Hashable, Iterable, Iterator, Tuple

from ..diagnostics import Span


def second_uses(uses: Iterable[Tuple[Hashable, Span]]) -> Iterator[Tuple[Hashable, Span, Span]]:
    """(value, span of this use, span of the first use) for every repeated use, in order."""
    first = {}
    for value, span in uses:
        if value in first:
            yield value, span, first[value]
        else:
            first[value] = span
