import pytest
from django.core.management import CommandError, call_command

from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_the_moderators_command_adds_lists_and_removes(capsys):
    ada = make_user("ada")
    call_command("moderators", "add", "Ada")
    assert ada.is_moderator
    call_command("moderators")
    assert capsys.readouterr().out.splitlines()[-1] == "ada"
    call_command("moderators", "remove", "ada")
    ada.refresh_from_db()
    del ada.is_moderator
    assert not ada.is_moderator


def test_the_moderators_command_names_unknown_members():
    with pytest.raises(CommandError, match="No member named nobody"):
        call_command("moderators", "add", "nobody")
