"""Write the compose stack's `.env` with fresh random secrets: `make stack-env`.

An existing file is never overwritten (its secrets may already be in a PostgreSQL volume).
The file is created readable by its owner only.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

PREFECT_USER = "newscorpus"


def stack_env() -> str:
    """The .env text: a PostgreSQL password and a Prefect API `user:password`, both random."""
    return (
        "# Written by `make stack-env`: the compose stack's secrets (see .env.example).\n"
        f"POSTGRES_PASSWORD={secrets.token_urlsafe(32)}\n"
        f"NEWSCORPUS_PREFECT_AUTH_STRING={PREFECT_USER}:{secrets.token_urlsafe(32)}\n"
    )


def write_stack_env(path: Path) -> bool:
    """Create `path` (mode 600) with fresh secrets; False, untouched, when it exists."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(stack_env())
    return True


def main(argv: list[str]) -> int:
    path = Path(argv[1] if len(argv) > 1 else ".env")
    if write_stack_env(path):
        print(f"wrote {path} with random secrets (the UI login: NEWSCORPUS_PREFECT_AUTH_STRING)")
    else:
        print(f"{path} exists: left unchanged (delete it first to make new secrets)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
