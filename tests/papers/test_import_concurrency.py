"""Two imports at once: the advisory lock makes the second wait and then find the first one's rows."""

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from papers.models import Listing, Paper
from tests.support.paths import HF_FIXTURES


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_imports_of_the_same_folder_both_succeed_without_duplicates():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers itself (BEGIN IMMEDIATE), there is no race to test")
    barrier = threading.Barrier(2)
    outputs: list[str] = []
    errors: list[BaseException] = []

    def run() -> None:
        out = StringIO()
        try:
            barrier.wait()
            call_command("import_daily_papers", str(HF_FIXTURES), stdout=out, stderr=StringIO())
            outputs.append(out.getvalue().splitlines()[-1])
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(outputs) == [
        "Total (17 files): 398 items; papers 0 created, 0 updated, 398 unchanged; "
        "listings 0 created, 0 updated, 398 unchanged",
        "Total (17 files): 398 items; papers 397 created, 1 updated, 0 unchanged; "
        "listings 398 created, 0 updated, 0 unchanged",
    ]
    assert (Paper.objects.count(), Listing.objects.count()) == (397, 398)
