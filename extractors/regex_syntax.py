"""The parsed form of a regular expression, from the standard library's private `re._parser`.

Only `extractors.rules` reads it (to find the words a wildcard-led pattern needs). Everything it
uses is named here, so a Python release that changes the parser breaks this module and its test
(tests/test_compat.py), not the rules silently.
"""

from __future__ import annotations

import re._parser as _sre_parse  # type: ignore[import-not-found]  # private: no stub to check
from collections.abc import Sequence
from typing import Any

# A parsed pattern: `(opcode, argument)` pairs; arguments hold further parsed patterns.
ParsedPattern = Sequence[tuple[Any, Any]]
LITERAL: Any = _sre_parse.LITERAL
AT: Any = _sre_parse.AT
SUBPATTERN: Any = _sre_parse.SUBPATTERN
BRANCH: Any = _sre_parse.BRANCH
MAX_REPEAT: Any = _sre_parse.MAX_REPEAT
ANY: Any = _sre_parse.ANY


def parse(pattern: str, flags: int = 0) -> ParsedPattern:
    """The parsed items of `pattern`: a sequence of `(opcode, argument)` pairs."""
    return _sre_parse.parse(pattern, flags)
