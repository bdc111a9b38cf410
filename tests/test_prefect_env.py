"""The local Prefect server's plumbing: its port is held from the moment it is chosen, and
flows on a command's own server skip the heartbeats only a lasting server can use."""

from __future__ import annotations

import socket

import pytest
from prefect.settings import get_current_settings

from newscorpus.prefect_env import PrefectApi, listening_socket


def test_a_chosen_port_is_held_until_the_server_takes_it_over() -> None:
    with listening_socket() as held:
        port = held.getsockname()[1]
        with pytest.raises(OSError), socket.socket() as other:
            other.bind(("127.0.0.1", port))  # another command choosing the same port
        with pytest.raises(OSError):
            listening_socket(port)


def test_flows_on_a_commands_own_server_run_without_heartbeats() -> None:
    default = get_current_settings().flows.heartbeat_frequency
    assert default is not None
    with PrefectApi("http://127.0.0.1:4200", lambda: None).flow_settings():
        assert get_current_settings().flows.heartbeat_frequency is None
    with PrefectApi(None, lambda: None).flow_settings():  # the user's own server
        assert get_current_settings().flows.heartbeat_frequency == default
    assert get_current_settings().flows.heartbeat_frequency == default
