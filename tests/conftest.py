from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import responses
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from config.celery import app as celery_app
from papers import caching, rows
from tests.support.paths import HF_FIXTURES


@pytest.fixture(autouse=True, scope="session")
def own_redis_database(worker_id):
    """With several workers (pytest -n), each uses a Redis database of its own: clearing the cache is FLUSHDB."""
    if not settings.REDIS_URL or worker_id == "master":
        yield
        return
    base = urlsplit(settings.REDIS_URL)
    number = int(base.path.strip("/") or 0) + 1 + int(worker_id.removeprefix("gw"))
    location = urlunsplit(base._replace(path=f"/{number}"))
    caches = {"default": settings.CACHES["default"] | {"LOCATION": location}}
    with override_settings(CACHES=caches):
        yield


@pytest.fixture(autouse=True, scope="session")
def eager_tasks():
    """Tasks run in-process even when a broker is configured (tests/test_services.py checks the broker)."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    """Tests see fresh pages and an empty cache; tests of the page cache turn it back on.

    The process's own copies of pages are off too (many tests clear the cache, which does not reach them):
    tests of the page cache turn them on with PAGE_CACHE_LOCAL_SECONDS.
    Passwords use a fast hasher: the real one costs a third of a second per member created.
    """
    settings.PAGE_CACHE_SECONDS = 0
    settings.MEMBER_PAGE_SECONDS = 60
    settings.PAGE_CACHE_LOCAL_SECONDS = 0
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    caching.local.clear()
    rows.snapshots.clear()


@pytest.fixture
def arxiv_api():
    """arXiv as recorded: a request nobody served fails as a connection error would, never reaching the network."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def hf_fixture():
    """Path of one recorded Hugging Face daily_papers response, by date."""

    def path(day: str) -> Path:
        return HF_FIXTURES / f"daily_papers_{day}.json"

    return path


@pytest.fixture
def imported_days(db):
    """The whole recorded archive, imported through the real command."""
    call_command("import_daily_papers", str(HF_FIXTURES), verbosity=0)


@pytest.fixture(scope="module")
def archive(django_db_setup, django_db_blocker):
    """The recorded archive imported once per module, rolled back at its end.

    Each test still runs in its own savepoint, so changes never leak between tests.
    Not for `transaction=True` tests: those use `imported_days`.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("import_daily_papers", str(HF_FIXTURES), verbosity=0)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def member(db):
    from tests.factories import make_user

    return make_user("ada")


@pytest.fixture
def other_member(db):
    from tests.factories import make_user

    return make_user("bob")


@pytest.fixture
def moderator(db):
    from django.contrib.auth.models import Group

    from tests.factories import make_user

    user = make_user("mod")
    user.groups.add(Group.objects.get_or_create(name="moderators")[0])
    return user


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def htmx():
    """Headers of an htmx request."""
    return {"HX-Request": "true"}
