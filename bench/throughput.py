"""Throughput under gunicorn (DEBUG off) with wrk: /healthz/ (the trivial view) beside the pages of `loads`.

Anonymous visitors load `/`, the day in the middle of the corpus, a paper of that day with a discussion, and the
Hugging Face compatible API (`/api/daily_papers`, the latest day and the middle one), which the page cache serves.
A member who follows nothing loads `/` (the latest day), the same day page and the same paper page, and the feed
reader (who follows 50 things) loads `/feed/`: with a real session cookie each, made by Django's login in the
server's settings (bench.sessions). Only anonymous `/` is loaded again with the page cache off (every request
renders): members never get cached pages, and the other anonymous pages would say the same.
"""

from __future__ import annotations

import datetime as dt
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
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection

from bench.members import FEED_READER
from bench.output import Output

# Targets: requests per second as a share of the trivial view's. The anonymous one assumes the shared cache of
# production (Redis): it is checked only when REDIS_URL is set.
ANONYMOUS_SHARE, MEMBER_SHARE, FEED_SHARE = 0.80, 0.30, 0.15


@dataclass(frozen=True)
class Load:
    name: str
    label: str  # the page, as the tables name it
    path: str
    target: float  # requests per second, as a share of the trivial view's
    member: str | None = None  # signed in as this member, or anonymous
    visitor: str = "anonymous"  # who loads it, as the tables name them
    uncached: bool = False  # also loaded with the page cache off


def loads(day: dt.date, paper: str, plain_member: str) -> list[Load]:
    """What wrk loads beside /healthz/: `day` is the day in the middle of the corpus, `paper` a paper listed that
    day (bench.members.ensure_discussion), `plain_member` a member who follows nothing (bench.members.plain_member).
    """
    day_path, paper_path = f"/papers/date/{day}/", f"/papers/{paper}/"
    member = f"member, follows nothing ({plain_member})"
    return [
        Load("home", "`/`", "/", ANONYMOUS_SHARE, uncached=True),
        Load("day", f"`{day_path}`", day_path, ANONYMOUS_SHARE),
        Load("paper", f"`{paper_path}`", paper_path, ANONYMOUS_SHARE),
        Load("api", "`/api/daily_papers`", "/api/daily_papers", ANONYMOUS_SHARE),
        Load("api_day", f"`/api/daily_papers?date={day}`", f"/api/daily_papers?date={day}", ANONYMOUS_SHARE),
        Load("member_home", "`/`", "/", MEMBER_SHARE, member=plain_member, visitor=member),
        Load("member_day", f"`{day_path}`", day_path, MEMBER_SHARE, member=plain_member, visitor=member),
        Load("member_paper", f"`{paper_path}`", paper_path, MEMBER_SHARE, member=plain_member, visitor=member),
        Load(
            "feed",
            "`/feed/`",
            "/feed/",
            FEED_SHARE,
            member=FEED_READER,
            visitor=f"feed reader, follows 50 ({FEED_READER})",
        ),
    ]


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


def configuration(options: dict) -> dict:
    """What the throughput figures were measured on: the server, the database, the cache, wrk."""
    database = connection.settings_dict
    redis_url = getattr(settings, "REDIS_URL", "")
    if redis_url:
        where = urlsplit(redis_url)
        cache = f"Redis ({where.hostname}:{where.port or 6379}{where.path or '/0'})"
    else:
        cache = "local memory (each worker its own)"
    return {
        "server": f"gunicorn -w {options['workers']}, DEBUG=0",
        "database": f"{connection.vendor} ({database['NAME']}"
        + (f" on {database['HOST']}" if database.get("HOST") else "")
        + ")",
        # What gunicorn runs with: DEBUG off keeps connections 60 s unless the environment says otherwise.
        "conn_max_age": options["conn_max_age"]
        if options["conn_max_age"] is not None
        else int(os.environ.get("DATABASE_CONN_MAX_AGE", 60)),
        "cache": cache,
        "redis": bool(redis_url),
        "page_cache_seconds": settings.PAGE_CACHE_SECONDS,
        "wrk": f"wrk -t2 -c{options['connections']} -d{options['duration']}s (2 s warm-up per page)",
    }


def describe(config: dict) -> str:
    return (
        f"{config['server']}, {config['database']}, DATABASE_CONN_MAX_AGE={config['conn_max_age']}, "
        f"cache: {config['cache']}, page cache {config['page_cache_seconds']} s, {config['wrk']}"
    )


def throughput(options: dict, out: Output, pages: list[Load]) -> dict | None:
    """Requests per second of each of `pages` against /healthz/ in the same run, or None without wrk."""
    wrk = shutil.which("wrk")
    if wrk is None:
        out.write("Throughput: skipped, wrk is not installed (apt-get install -y wrk).")
        return None
    started = time.monotonic()
    config = configuration(options)
    out.log(f"Throughput: {describe(config)}")
    load_average = {"before": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        env = server_environment(Path(tmp), options["conn_max_age"])
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
        )
        cookies = session_cookies(env, sorted({page.member for page in pages if page.member}))
        cached = serve_and_load(wrk, env, Path(tmp), options, out, pages, cookies, trivial=True)
        uncached_pages = [page for page in pages if page.uncached]
        uncached_env = {**env, "PAGE_CACHE_SECONDS": "0"}
        uncached = (
            serve_and_load(wrk, uncached_env, Path(tmp), options, out, uncached_pages, cookies, trivial=False)
            if uncached_pages
            else {}
        )
    load_average["after"] = os.getloadavg()[0]
    trivial = cached.pop("healthz")
    out.log(
        f"/healthz/: {trivial['rps']:,.0f} req/s, latency p50 {trivial.get('latency_p50_ms', 0):.1f} ms, "
        f"p99 {trivial.get('latency_p99_ms', 0):.1f} ms"
    )
    for results in (cached, uncached):
        for figures in results.values():
            figures["share"] = figures["rps"] / trivial["rps"] if trivial["rps"] else 0.0
    for page in pages:
        for results, note in ((cached, ""), (uncached, ", page cache off")):
            if page.name in results:
                figures = results[page.name]
                out.log(
                    f"{page.label} ({page.visitor}{note}): {figures['rps']:,.0f} req/s = {figures['share']:.0%} of "
                    f"/healthz/, latency p50 {figures.get('latency_p50_ms', 0):.1f} ms, "
                    f"p99 {figures.get('latency_p99_ms', 0):.1f} ms"
                )
    return {
        "config": config,
        "healthz": trivial,
        "loads": cached,
        "uncached": uncached,
        "paths": {page.name: page.path for page in pages},
        "load_average": load_average,
        "seconds": round(time.monotonic() - started),
    }


def session_cookies(env: dict[str, str], usernames: list[str]) -> dict[str, str]:
    """The cookies of each member (session and CSRF, `name=value;name=value`), made by bench.sessions with the
    server's environment."""
    if not usernames:
        return {}
    result = subprocess.run(
        [sys.executable, "-m", "bench.sessions", *usernames],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    lines = result.stdout.split()
    if result.returncode or len(lines) != len(usernames):
        raise CommandError(f"Could not make the members' session cookies:\n{result.stderr[-3000:]}")
    return dict(zip(usernames, lines, strict=True))


def serve_and_load(
    wrk: str,
    env: dict[str, str],
    tmp: Path,
    options: dict,
    out: Output,
    pages: list[Load],
    cookies: dict[str, str],
    trivial: bool,
) -> dict:
    """Start gunicorn with `env`, load each of `pages` (and `/healthz/` when `trivial`) with wrk, stop it.

    A signed-in page is first asked for once, to check that the member's cookie signs them in."""
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
            f"gunicorn on {base}, PAGE_CACHE_SECONDS={env.get('PAGE_CACHE_SECONDS', 'default')}: "
            + ", ".join(["/healthz/"] * trivial + [f"{page.path} ({page.visitor})" for page in pages])
        )
        duration, connections = options["duration"], options["connections"]
        figures = {}
        if trivial:
            figures["healthz"] = load(wrk, base, "/healthz/", duration, connections, out)
        for page in pages:
            cookie = cookies[page.member] if page.member else None
            if page.member and cookie:
                pressed = check_signed_in(base + page.path, cookie, page.member)
                out.log(f"{page.path} signed in as {page.member}: 200, {pressed} buttons pressed")
            load(wrk, base, page.path, 2, connections, out, cookie)  # Warm-up.
            figures[page.name] = load(wrk, base, page.path, duration, connections, out, cookie)
        return figures
    except BaseException:
        out.error(f"gunicorn log:\n{log_path.read_text()[-3000:]}")
        raise
    finally:
        stop(server)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect (to the login page, say) is an answer to report, not to follow."""

    def redirect_request(self, *args, **kwargs):
        return None


def check_signed_in(url: str, cookie: str, username: str) -> int:
    """GET `url` once with the member's cookie: it must answer 200, signed in as them. Returns the pressed buttons."""
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=60) as response:
            body = response.read().decode()
    except urllib.error.HTTPError as error:
        raise CommandError(
            f"GET {url} with {username}'s session cookie answered {error.code} "
            f"{error.headers.get('Location', '')}, not 200."
        ) from error
    if problem := signed_in_problem(body, username):
        raise CommandError(f"GET {url} with {username}'s session cookie: {problem}")
    return body.count('aria-pressed="true"')


def signed_in_problem(body: str, username: str) -> str | None:
    """Why a page is not one signed in as `username` (it has neither "Log out" nor a link to their profile)."""
    if "Log out" not in body:
        return 'the page has no "Log out": the session did not sign the member in.'
    if f"/users/{username}/" not in body:
        return f"the page is signed in, but not as {username}."
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


def wrk_command(wrk: str, url: str, duration: int, connections: int, cookie: str | None = None) -> list[str]:
    command = [wrk, "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    return [*command, url]


def load(
    wrk: str, base: str, path: str, duration: int, connections: int, out: Output, cookie: str | None = None
) -> dict:
    """One wrk run against `base + path` (with the session `cookie`, if any), then a wait until gunicorn's backlog
    has drained."""
    command = wrk_command(wrk, base + path, duration, connections, cookie)
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
