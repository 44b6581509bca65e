"""scikit-learn and NumPy take seconds to import: no request waits for them.

Each check runs in a fresh interpreter, where nothing has imported them yet.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("numpy", "scipy", "sklearn")
PRINT_LOADED = f"\nprint(' '.join(name for name in {HEAVY!r} if name in sys.modules))"

SETUP = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
import django
django.setup()
"""


def run(code: str, **env: str) -> str:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("CELERY_", "REDIS_"))}
    result = subprocess.run(
        [sys.executable, "-c", SETUP + code],
        cwd=ROOT,
        env=environment | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_request_path_imports_no_heavy_library():
    """Every view, and what an upvote, a save or "less like this" calls to queue a similarity refresh."""
    loaded = run(
        """
from django.urls import get_resolver
get_resolver().resolve("/")  # imports every view module
import papers.feed, papers.follows, papers.similarity, papers.related_papers, papers.tasks
from papers.similarity import refresh_new_seed
"""
        + PRINT_LOADED
    )
    assert loaded == ""


def test_a_worker_loads_them_when_it_starts():
    """A Celery worker's main process loads them before forking its pool (worker_init)."""
    loaded = run(
        """
from celery.signals import worker_init
from config.celery import app
worker_init.send(sender=None)
"""
        + PRINT_LOADED,
        CELERY_BROKER_URL="memory://",
    )
    assert loaded == "numpy scipy sklearn"


def test_the_web_server_loads_them_beside_the_first_requests_only_when_it_runs_tasks_itself():
    code = """
import threading
import config.wsgi
names = [thread.name for thread in threading.enumerate()]
print("preload-similarity" in names)
"""
    assert run(code) == "True"  # no broker: tasks run in the web process
    assert run(code, CELERY_BROKER_URL="memory://") == "False"
