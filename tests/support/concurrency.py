"""Requests racing through the whole stack, on PostgreSQL only.

SQLite runs one writer at a time, so there is no race to test: a module that imports `postgresql_only`
gets it as an autouse fixture and its tests are skipped elsewhere, with the reason.
"""

import threading

import pytest
from django.db import connection
from django.test import Client

from accounts.models import User


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so concurrent requests cannot race")


def at_once(requests: list[tuple[User, str, dict]]) -> list[int]:
    """POST every (member, url, data) from its own thread, all released together; the status codes."""
    barrier = threading.Barrier(len(requests))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def run(user: User, url: str, data: dict) -> None:
        client = Client()
        client.force_login(user)
        try:
            barrier.wait()
            statuses.append(client.post(url, data).status_code)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return statuses
