"""Throughput under gunicorn (DEBUG off) with wrk: /healthz/ (the trivial view) and / in the same run."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from bench.output import Output


def parse_wrk(output: str) -> dict:
    """Requests/s, request count, errors and latency percentiles from `wrk --latency` output."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if rps is None:
        raise CommandError(f"Unexpected wrk output:\n{output}")
    result = {"rps": float(rps.group(1)), "non_2xx": 0, "socket_errors": 0}
    if match := re.search(r"(\d+) requests in", output):
        result["requests"] = int(match.group(1))
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        result["non_2xx"] = int(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        result["socket_errors"] = sum(int(n) for n in match.groups())
    units = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    for pct, value, unit in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE):
        result[f"latency_p{pct}_ms"] = float(value) * units[unit]
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def throughput(options: dict, out: Output) -> dict | None:
    """Requests per second of / (page cache on and off) against /healthz/, or None without wrk."""
    wrk = shutil.which("wrk")
    if wrk is None:
        out.write("Throughput: skipped, wrk is not installed (apt-get install -y wrk).")
        return None
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        env = server_environment(Path(tmp), options["conn_max_age"])
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
        )
        results: dict[str, dict] = {}
        for name, extra in (("cached", {}), ("uncached", {"PAGE_CACHE_SECONDS": "0"})):
            results[name] = serve_and_load(wrk, {**env, **extra}, Path(tmp), options, out, trivial=not results)
    trivial, home, uncached = results["cached"]["healthz"], results["cached"]["home"], results["uncached"]["home"]
    ratio = home["rps"] / trivial["rps"] if trivial["rps"] else 0.0
    uncached_ratio = uncached["rps"] / trivial["rps"] if trivial["rps"] else 0.0
    for label, figures in (
        ("/healthz/", trivial),
        ("/ (anonymous, page cache on: the default)", home),
        ("/ (page cache off: every request renders)", uncached),
    ):
        out.log(
            f"{label}: {figures['rps']:,.0f} req/s, latency p50 {figures.get('latency_p50_ms', 0):.1f} ms, "
            f"p99 {figures.get('latency_p99_ms', 0):.1f} ms"
        )
    out.log(f"/ serves {ratio:.0%} of the trivial view's requests per second ({uncached_ratio:.0%} uncached)")
    return {
        "healthz": trivial,
        "home": home,
        "home_uncached": uncached,
        "ratio": ratio,
        "ratio_uncached": uncached_ratio,
        "conn_max_age": env.get("DATABASE_CONN_MAX_AGE"),
    }


def serve_and_load(wrk: str, env: dict[str, str], tmp: Path, options: dict, out: Output, trivial: bool) -> dict:
    """Start gunicorn with `env`, load `/` (and `/healthz/` when `trivial`) with wrk, stop it."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp / "gunicorn.log"
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "-w", str(options["workers"])]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    with log_path.open("w") as log:
        server = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_until_up(server, f"{base}/healthz/", log_path)
        out.log(
            f"Throughput: gunicorn -w {options['workers']} on {base} (DEBUG=0, "
            f"DATABASE_CONN_MAX_AGE={env.get('DATABASE_CONN_MAX_AGE', 'default')}, "
            f"PAGE_CACHE_SECONDS={env.get('PAGE_CACHE_SECONDS', 'default')}), "
            f"wrk -t2 -c{options['connections']} -d{options['duration']}s"
        )
        figures = {}
        if trivial:
            figures["healthz"] = load(wrk, base, "/healthz/", options["duration"], options["connections"], out)
        load(wrk, base, "/", 2, options["connections"], out)  # Warm-up.
        figures["home"] = load(wrk, base, "/", options["duration"], options["connections"], out)
        return figures
    except BaseException:
        out.error(f"gunicorn log:\n{log_path.read_text()[-3000:]}")
        raise
    finally:
        stop(server)


def server_environment(tmp: Path, conn_max_age: int | None) -> dict[str, str]:
    """Production-like settings: DEBUG off, a real SECRET_KEY, collected static files in `tmp`."""
    (tmp / "bench_settings.py").write_text(
        f"from {settings.SETTINGS_MODULE} import *  # noqa: F403\nSTATIC_ROOT = {str(tmp / 'static')!r}\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": os.pathsep.join(p for p in (str(tmp), str(settings.BASE_DIR), os.environ.get("PYTHONPATH")) if p),
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
    }
    if conn_max_age is not None:
        env["DATABASE_CONN_MAX_AGE"] = str(conn_max_age)
    return env


def wait_until_up(server: subprocess.Popen, url: str, log_path: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CommandError(f"gunicorn exited with status {server.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise CommandError(f"gunicorn did not answer {url} within {timeout:.0f}s.")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def load(wrk: str, base: str, path: str, duration: int, connections: int, out: Output) -> dict:
    """One wrk run against `base + path`, then a wait until gunicorn's backlog has drained."""
    command = [wrk, "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "--latency", base + path]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    figures = parse_wrk(result.stdout)
    if figures["non_2xx"] or figures["socket_errors"]:
        errors = re.findall(r"Non-2xx.*|Socket errors.*", result.stdout)
        out.error(f"{path}: {'; '.join(errors)}")
    # Requests still queued in gunicorn's backlog would slow down the next run: let them drain.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        started = time.monotonic()
        with urllib.request.urlopen(f"{base}/healthz/", timeout=60):
            pass
        if time.monotonic() - started < 0.1:
            break
    return figures
