"""List, add or remove moderators: `manage.py moderators`, `moderators add NAME…`, `moderators remove NAME…`."""

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from accounts.models import MODERATORS_GROUP, User, forget_cached_members


class Command(BaseCommand):
    help = "List the moderators, or add or remove members (by username) from the moderators group."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", nargs="?", choices=["list", "add", "remove"], default="list")
        parser.add_argument("usernames", nargs="*")

    def handle(self, *args, action: str, usernames: list[str], **options) -> None:
        group, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
        if action == "list":
            for user in group.user_set.order_by("username"):
                self.stdout.write(user.username)
            return
        if not usernames:
            raise CommandError(f"Name the members to {action}: manage.py moderators {action} USERNAME [USERNAME ...]")
        members = {name: User.objects.filter(username__iexact=name, deleted_at=None).first() for name in usernames}
        missing = [name for name, user in members.items() if user is None]
        if missing:
            raise CommandError(f"No member named {', '.join(missing)}.")
        for user in members.values():
            if action == "add":
                group.user_set.add(user)
            else:
                group.user_set.remove(user)
            forget_cached_members([user.pk])  # the signed-in member's copy says whether they moderate
            self.stdout.write(f"{user.username}: {'now a moderator' if action == 'add' else 'no longer a moderator'}")
