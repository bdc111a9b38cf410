"""Prefect defaults for this project, applied before Prefect is imported.

Offline and quiet by default: no telemetry, and state under a project-local PREFECT_HOME
(`./.prefect`) unless the user set one. With PREFECT_API_URL unset Prefect starts its local
ephemeral API; set it to report the same runs to a real Prefect server.
"""

from __future__ import annotations

import os
from pathlib import Path


def configure_prefect_environment() -> None:
    """Set the defaults in `os.environ`; values the user already set are kept."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_HOME", str(Path.cwd() / ".prefect"))
    # The ephemeral API's 20 s start-up default is too short on a busy two-core machine.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
