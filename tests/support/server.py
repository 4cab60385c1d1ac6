"""Running `consentry serve` as a real process on a free port for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli_env(home: Path, database_url: str | None = None) -> dict[str, str]:
    """Environment for a CLI or server process on an instance."""
    env = {**os.environ, "CONSENTRY_HOME": str(home)}
    if database_url:
        env["CONSENTRY_DATABASE_URL"] = database_url
    env.pop("CONSENTRY_MASTER_KEY", None)
    return env


@contextmanager
def running_server(home: Path, database_url: str | None = None, log: Path | None = None):
    """Start `python -m cli serve` and yield its base URL; stop it afterwards."""
    port = free_port()
    out = open(log or home / "server.out", "wb")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--port", str(port)],
        env=cli_env(home, database_url),
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("server did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        out.close()
