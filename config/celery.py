"""Celery application: tasks live in each app's tasks.py, beat runs the periodic sync."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def preload_libraries(**kwargs) -> None:
    """Load scikit-learn once in the worker's main process, before it forks its pool, not in the first task."""
    from papers.similarity import preload

    preload()
