from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A member of the site. Profiles, votes and comments hang off this model."""

    display_name = models.CharField(max_length=100, blank=True)

    class Meta:
        db_table = "accounts_user"

    def __str__(self) -> str:
        return self.username

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username
