"""Ray imported lazily, and a connection to the instance an ``ExecutorSpec`` names.

An address that does not answer fails at once with one line (Ray Client would wait 30 s
and then warn); nothing has been computed or stored by then.
"""

from __future__ import annotations

import importlib
import logging
import socket
from typing import Any

from evalatlas.errors import ConfigError
from evalatlas.runner.executors.spec import ExecutorSpec

INSTALL_HINT = "pip install 'evalatlas[ray]'"
_PROBE_TIMEOUT_S = 5.0


def import_ray() -> Any:
    """The ``ray`` module, or a ConfigError with the install line when it is missing."""
    try:
        return importlib.import_module("ray")
    except ImportError:
        raise ConfigError(f"--executor ray needs Ray; run: {INSTALL_HINT}") from None


def connect(ray: Any, spec: ExecutorSpec) -> bool:
    """Connect to the Ray instance of ``spec``; True when this call started it (and so
    should shut it down), False when it was already connected."""
    _check_answers(spec)
    if ray.is_initialized():
        return False
    try:
        ray.init(
            address=spec.address,
            log_to_driver=False,  # actors' own logs (llama.cpp's) would flood the console
            logging_level=logging.WARNING,
        )
    except (ConnectionError, RuntimeError, ValueError) as error:
        where = spec.address or "the local Ray instance"
        raise ConfigError(f"--executor {spec.raw}: cannot connect to {where}: {error}") from None
    return True


def _check_answers(spec: ExecutorSpec) -> None:
    where = spec.host_port
    if where is None:
        return
    try:
        with socket.create_connection(where, timeout=_PROBE_TIMEOUT_S):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ConfigError(
            f"--executor {spec.raw}: the Ray cluster at {where[0]}:{where[1]} does not answer "
            f"({reason}); start it with 'ray start --head' or check the address"
        ) from None
