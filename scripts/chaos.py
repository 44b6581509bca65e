"""The fault suite (`make chaos`): the site under load while its parts fail, one fault at a time.

It starts its own Redis on a spare port, a PostgreSQL database of its own (`paper_commons_chaos` on the
server of CHAOS_DATABASE_URL), gunicorn (DEBUG off, 2 workers), a Celery worker and beat, so the machine's
services and data are left alone. Signed-in members then read pages and post replies (each reply emails the
comment's author) from several threads while one fault is injected at a time:

    web worker killed   SIGKILL to one gunicorn worker
    celery killed       SIGKILL to the Celery worker (mid-task), started again after 2 s
    redis flushed       FLUSHALL
    redis stopped       the Redis server stopped for --outage seconds, then started again (empty)
    database down       the site's database refuses connections for --outage seconds (open ones terminated)

Per fault it prints requests, 5xx answers and failed connections (in and outside the fault's window),
acknowledged replies missing from the database at the end (lost writes), and the reply emails sent once
everything has recovered. It exits 1 when a target is missed: no acknowledged write lost; no 5xx while Redis
is stopped or flushed; no 5xx but 503 (with Retry-After) for any fault; no error outside a fault's window;
every queued email sent once everything has recovered, none later than 5 minutes after its reply (a killed
worker's tasks included); the first answer within 5 s of the database's return.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
DATABASE = "paper_commons_chaos"
SERVER_URL = os.environ.get("CHAOS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
MEMBERS = 8
DATABASE_RECOVERY_TARGET = 5  # seconds from the database's return to the site's first answer
EMAIL_WAIT_TARGET = 300  # seconds from a reply to its email, a killed worker's tasks included

SETUP = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from accounts.models import User
from papers.discussion import post_comment
from papers.models import Paper
papers = list(Paper.objects.order_by("-points").values_list("arxiv_id", flat=True)[:20])
author = User.objects.create_user("chaos-author", "author@example.org", "not used")
parents = [post_comment(Paper.objects.get(arxiv_id=a), author, "Questions welcome.").pk for a in papers[:5]]
sessions = []
for n in range(%(members)d):
    user = User.objects.create_user(f"chaos{n}", f"chaos{n}@example.org", "not used")
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    sessions.append(store.session_key)
print(json.dumps({"papers": papers, "parents": parents, "sessions": sessions}))
"""

REPORT = """
import json
from papers.models import Comment, Notification, OutboxMessage
bodies = list(Comment.objects.filter(body__startswith="chaos ").values_list("body", flat=True))
replies = Notification.objects.filter(kind="reply", comment__body__startswith="chaos ")
print(json.dumps({
    "bodies": bodies,
    "notifications": replies.count(),
    "emailed": replies.exclude(emailed_at=None).count(),
    "outbox": OutboxMessage.objects.count(),
    "longest_email_wait": max(
        [(n.emailed_at - n.created_at).total_seconds() for n in replies.exclude(emailed_at=None)], default=0
    ),
}))
"""


@dataclass
class Record:
    at: float
    kind: str  # "read" or "write"
    status: int  # 0: no answer (connection refused, reset, timeout)
    body: str = ""


@dataclass
class Load:
    base: str
    plan: dict
    records: list[Record] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, threads: int) -> list[threading.Thread]:
        workers = [threading.Thread(target=self.member, args=(n,), daemon=True) for n in range(threads)]
        for worker in workers:
            worker.start()
        return workers

    def member(self, n: int) -> None:
        rng = random.Random(n)
        session = requests.Session()
        session.cookies.set("sessionid", self.plan["sessions"][n % len(self.plan["sessions"])])
        csrf = ""
        while not self.stopping.is_set():
            if not csrf or rng.random() < 0.7:
                status, csrf = self.read(session, rng, csrf)
            else:
                self.write(session, rng, csrf)

    def read(self, session: requests.Session, rng: random.Random, csrf: str) -> tuple[int, str]:
        path = rng.choice(["/", "/papers/trending/", f"/papers/{rng.choice(self.plan['papers'])}/", "/feed/"])
        status = self.request(session.get, path, "read")
        return status, session.cookies.get("csrftoken", csrf) or csrf

    def write(self, session: requests.Session, rng: random.Random, csrf: str) -> None:
        index = rng.randrange(len(self.plan["parents"]))
        body = f"chaos {uuid.uuid4().hex}"
        data = {
            "body": body,
            "parent": self.plan["parents"][index],
            "form_key": uuid.uuid4().hex,
            "csrfmiddlewaretoken": csrf,
        }
        headers = {"Referer": self.base + "/", "X-CSRFToken": csrf}
        path = f"/papers/{self.plan['papers'][index]}/comments/"
        self.request(session.post, path, "write", data=data, headers=headers, body=body)

    def request(self, method, path: str, kind: str, body: str = "", **kwargs) -> int:
        try:
            response = method(self.base + path, timeout=10, allow_redirects=False, **kwargs)
            status = response.status_code
        except requests.RequestException:
            status = 0
        acknowledged = kind == "write" and status == 302
        with self.lock:
            self.records.append(Record(time.monotonic(), kind, status, body if acknowledged else ""))
        return status


class Site:
    """Redis, the database, gunicorn, Celery: started, stopped and broken on demand."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.redis_port, self.web_port = free_port(), free_port()
        self.database_url = SERVER_URL.rsplit("/", 1)[0] + f"/{DATABASE}"
        self.env = os.environ | {
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{self.web_port}",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "SECURE_HSTS_SECONDS": "0",
            "PAGE_CACHE_SECONDS": "5",
        }
        self.processes: dict[str, subprocess.Popen] = {}
        self.database_back = 0.0  # when the database took connections again after its outage

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def start(self, name: str, command: list[str]) -> None:
        log = (self.tmp / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(name, None)
        if process and process.poll() is None:
            os.killpg(process.pid, sig)
            process.wait(timeout=30)

    def start_redis(self) -> None:
        self.start("redis", ["redis-server", "--port", str(self.redis_port), "--save", "", "--appendonly", "no"])
        wait_for(lambda: redis_cli(self.redis_port, "PING") == "PONG", "Redis")

    def prepare(self) -> dict:
        admin = SERVER_URL
        psql(admin, f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        psql(admin, f'CREATE DATABASE "{DATABASE}"')
        self.manage("migrate", "--no-input", "--verbosity", "0")
        self.manage("collectstatic", "--no-input", "--verbosity", "0")
        self.manage("import_daily_papers", str(ROOT / "tests/fixtures/hf"), "--verbosity", "0")
        output = self.manage("shell", "-c", SETUP % {"members": MEMBERS})
        return json.loads(output.strip().splitlines()[-1])

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, check=False
        )
        if done.returncode:
            raise SystemExit(f"manage.py {' '.join(args[:2])} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def start_web(self) -> None:
        self.start(
            "web",
            [PYTHON, "-m", "gunicorn", "config.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{self.web_port}"],
        )
        wait_for(lambda: ok(self.base + "/healthz/"), "gunicorn")

    def start_celery(self) -> None:
        self.start("celery", [PYTHON, "-m", "celery", "-A", "config", "worker", "-l", "WARNING", "-c", "2"])

    def start_beat(self) -> None:
        schedule = str(self.tmp / "beat-schedule")
        self.start("beat", [PYTHON, "-m", "celery", "-A", "config", "beat", "-l", "WARNING", "-s", schedule])

    def web_worker_pids(self) -> list[int]:
        master = self.processes["web"].pid
        found = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True, check=False).stdout
        return [int(pid) for pid in found.split()]

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name, signal.SIGKILL if name != "redis" else signal.SIGTERM)


def kill_web_worker(site: Site, outage: float) -> None:
    os.kill(site.web_worker_pids()[0], signal.SIGKILL)


def kill_celery(site: Site, outage: float) -> None:
    site.stop("celery", signal.SIGKILL)
    time.sleep(2)
    site.start_celery()


def flush_redis(site: Site, outage: float) -> None:
    redis_cli(site.redis_port, "FLUSHALL")


def stop_redis(site: Site, outage: float) -> None:
    site.stop("redis")
    time.sleep(outage)
    site.start_redis()


def stop_database(site: Site, outage: float) -> None:
    """The site's database refuses every connection for `outage` seconds (its open ones are terminated)."""
    psql(SERVER_URL, f'ALTER DATABASE "{DATABASE}" ALLOW_CONNECTIONS false')
    psql(
        SERVER_URL,
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{DATABASE}' "
        "AND pid <> pg_backend_pid()",
    )
    time.sleep(outage)
    psql(SERVER_URL, f'ALTER DATABASE "{DATABASE}" ALLOW_CONNECTIONS true')
    site.database_back = time.monotonic()


FAULTS = {
    "web worker killed": kill_web_worker,
    "celery killed": kill_celery,
    "redis flushed": flush_redis,
    "redis stopped": stop_redis,
    "database down": stop_database,
}


def run(options: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="chaos-") as tmp:
        site = Site(Path(tmp))
        try:
            site.start_redis()
            plan = site.prepare()
            site.start_web()
            site.start_celery()
            site.start_beat()
            return inject_all(site, plan, options)
        finally:
            site.stop_all()
            psql(SERVER_URL, f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)', check=False)


def inject_all(site: Site, plan: dict, options: argparse.Namespace) -> int:
    load = Load(site.base, plan)
    threads = load.run(options.threads)
    windows = {}
    time.sleep(options.calm)
    for name, inject in FAULTS.items():
        start = time.monotonic()
        inject(site, options.outage)
        windows[name] = (start, time.monotonic() + min(options.grace, options.calm))  # windows never overlap
        time.sleep(options.calm)
    load.stopping.set()
    for thread in threads:
        thread.join(timeout=15)
    final = settle(site, options)
    return report(load.records, windows, final, site.database_back)


def settle(site: Site, options: argparse.Namespace) -> dict:
    """Wait for the queued emails (the outbox relays each minute), then read what the database holds."""
    deadline = time.monotonic() + options.settle
    while True:
        final = json.loads(site.manage("shell", "-c", REPORT).strip().splitlines()[-1])
        if final["emailed"] >= final["notifications"] and not final["outbox"] or time.monotonic() > deadline:
            return final
        time.sleep(5)


def report(records: list[Record], windows: dict[str, tuple[float, float]], final: dict, database_back: float) -> int:
    stored = set(final["bodies"])
    print(f"{'fault':<18} {'requests':>8} {'503':>5} {'other 5xx':>9} {'no answer':>9}")
    failed = False
    for name, (start, end) in windows.items():
        during = [r for r in records if start <= r.at <= end]
        unavailable = sum(r.status == 503 for r in during)
        other = sum(r.status >= 500 and r.status != 503 for r in during)
        print(f"{name:<18} {len(during):>8} {unavailable:>5} {other:>9} {sum(r.status == 0 for r in during):>9}")
        if name.startswith("redis") and (unavailable or other or any(r.status == 0 for r in during)):
            failed = True  # the site does not need Redis to answer
        if other:
            failed = True  # a part being down is a 503 at worst, never a traceback
    outside = [r for r in records if (r.status >= 500 or r.status == 0) and not in_any(r.at, windows)]
    acknowledged = [r.body for r in records if r.body]
    lost = [body for body in acknowledged if body not in stored]
    print(f"all: {len(records)} requests, {len(outside)} errors outside the fault windows")
    print(f"acknowledged replies: {len(acknowledged)}, lost: {len(lost)}")
    print(f"reply emails: {final['emailed']} sent of {final['notifications']}, {final['outbox']} still in the outbox")
    answered = [r.at for r in records if r.at >= database_back and 0 < r.status < 500]
    recovery = (min(answered) - database_back) if database_back and answered else float("inf")
    print(f"database back: first answer {recovery:.1f} s after it took connections again (target 5 s)")
    print(f"longest wait for a reply email: {final['longest_email_wait']:.0f} s (target {EMAIL_WAIT_TARGET} s)")
    failed = failed or bool(lost) or bool(outside) or final["emailed"] != final["notifications"]
    failed = failed or recovery > DATABASE_RECOVERY_TARGET or final["longest_email_wait"] > EMAIL_WAIT_TARGET
    print("chaos: targets " + ("MISSED" if failed else "met"))
    return 1 if failed else 0


def in_any(at: float, windows: dict[str, tuple[float, float]]) -> bool:
    return any(start <= at <= end for start, end in windows.values())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_cli(port: int, *command: str) -> str:
    done = subprocess.run(["redis-cli", "-p", str(port), *command], capture_output=True, text=True, check=False)
    return done.stdout.strip()


def psql(url: str, sql: str, check: bool = True) -> None:
    subprocess.run(["psql", url, "-q", "-c", sql], capture_output=True, text=True, check=check)


def ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def wait_for(ready, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not start within {timeout:.0f} s")
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calm", type=float, default=8, help="seconds of load before and after each fault")
    parser.add_argument("--outage", type=float, default=30, help="seconds Redis and the database stay down")
    parser.add_argument("--grace", type=float, default=5, help="seconds after a fault still counted in its window")
    parser.add_argument(
        "--settle", type=float, default=240, help="seconds to wait at most for the queued emails at the end"
    )
    parser.add_argument("--threads", type=int, default=6, help="members loading the site at once")
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
