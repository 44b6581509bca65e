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


def test_a_signed_in_member_made_moderator_or_not_is_told_on_the_next_request(client):
    """Whether a member moderates is kept with their cached row: the command drops that copy."""
    ada = make_user("ada")
    client.force_login(ada)
    assert "Flag queue" not in client.get("/papers/").text  # the copy is kept now
    call_command("moderators", "add", "ada")
    assert "Flag queue" in client.get("/papers/").text
    assert client.get("/moderation/queue/").status_code == 200
    call_command("moderators", "remove", "ada")
    assert "Flag queue" not in client.get("/papers/").text
    assert client.get("/moderation/queue/").status_code == 403
