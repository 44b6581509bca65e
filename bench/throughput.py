"""Throughput under gunicorn (DEBUG off) with wrk: /healthz/ (the trivial view) beside the pages in LOADED.

Each page is loaded with the page cache on (the default) and off (every request renders): `/`, and the Hugging
Face compatible API, whose answers clients poll (`/api/daily_papers`, the latest day, and a day in the middle of
the corpus).
"""

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

from bench.measure import middle_day
from bench.output import Output

# What wrk loads beside /healthz/, by name; `{day}` is the listing day in the middle of the corpus.
LOADED = {"home": "/", "api": "/api/daily_papers", "api_day": "/api/daily_papers?date={day}"}


def loaded_paths() -> dict[str, str]:
    day = middle_day()
    return {name: path.format(day=day) for name, path in LOADED.items()}


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
    """Requests per second of each page in LOADED (page cache on and off) against /healthz/, or None without wrk.

    The figures of `/` are also under their first names (`home`, `home_uncached`, `ratio`, `ratio_uncached`)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        out.write("Throughput: skipped, wrk is not installed (apt-get install -y wrk).")
        return None
    paths = loaded_paths()
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
            results[name] = serve_and_load(wrk, {**env, **extra}, Path(tmp), options, out, paths, trivial=not results)
    trivial = results["cached"]["healthz"]
    out.log(
        f"/healthz/: {trivial['rps']:,.0f} req/s, latency p50 {trivial.get('latency_p50_ms', 0):.1f} ms, "
        f"p99 {trivial.get('latency_p99_ms', 0):.1f} ms"
    )
    figures: dict = {"healthz": trivial, "paths": paths, "conn_max_age": env.get("DATABASE_CONN_MAX_AGE")}
    for name, path in paths.items():
        cached, uncached = results["cached"][name], results["uncached"][name]
        ratio = cached["rps"] / trivial["rps"] if trivial["rps"] else 0.0
        uncached_ratio = uncached["rps"] / trivial["rps"] if trivial["rps"] else 0.0
        for label, page in (("page cache on: the default", cached), ("page cache off", uncached)):
            out.log(
                f"{path} ({label}): {page['rps']:,.0f} req/s, latency p50 {page.get('latency_p50_ms', 0):.1f} ms, "
                f"p99 {page.get('latency_p99_ms', 0):.1f} ms"
            )
        out.log(f"{path} serves {ratio:.0%} of the trivial view's requests per second ({uncached_ratio:.0%} uncached)")
        figures |= {name: cached, f"{name}_uncached": uncached}
        figures |= {f"{name}_ratio": ratio, f"{name}_ratio_uncached": uncached_ratio}
    figures |= {"ratio": figures["home_ratio"], "ratio_uncached": figures["home_ratio_uncached"]}
    return figures


def serve_and_load(
    wrk: str, env: dict[str, str], tmp: Path, options: dict, out: Output, paths: dict[str, str], trivial: bool
) -> dict:
    """Start gunicorn with `env`, load each of `paths` (and `/healthz/` when `trivial`) with wrk, stop it."""
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
        for name, path in paths.items():
            load(wrk, base, path, 2, options["connections"], out)  # Warm-up.
            figures[name] = load(wrk, base, path, options["duration"], options["connections"], out)
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
