"""The local Prefect server's process: uvicorn serving Prefect's API (and UI, when enabled)
on a listening socket that newscorpus bound before starting it and passes as a file
descriptor, so no other process can take the port between choosing it and serving on it.

    python -m newscorpus.prefect_server FD
"""

from __future__ import annotations

import socket
import sys

import uvicorn


def main() -> None:
    listening = socket.socket(fileno=int(sys.argv[1]))
    config = uvicorn.Config(
        "prefect.server.api.server:create_app", factory=True, log_level="error", lifespan="on"
    )
    uvicorn.Server(config).run(sockets=[listening])


if __name__ == "__main__":
    main()
