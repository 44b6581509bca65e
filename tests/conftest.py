from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction

from config.celery import app as celery_app

FIXTURES = Path(__file__).parent / "fixtures"
HF_FIXTURES = FIXTURES / "hf"


@pytest.fixture(autouse=True, scope="session")
def eager_tasks():
    """Tasks run in-process even when a broker is configured (tests/test_services.py checks the broker)."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    """Tests see fresh pages and an empty cache; tests of the page cache turn it back on.

    Passwords use a fast hasher: the real one costs a third of a second per member created.
    """
    settings.PAGE_CACHE_SECONDS = 0
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()


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
    user.groups.add(Group.objects.get(name="moderators"))
    return user


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def htmx():
    """Headers of an htmx request."""
    return {"HX-Request": "true"}
