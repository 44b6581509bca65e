import secrets

from django.db import migrations, models

import accounts.models


def give_every_member_a_feed_token(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for user in User.objects.filter(feed_token=None).only("pk"):
        User.objects.filter(pk=user.pk).update(feed_token=secrets.token_urlsafe(32))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_username_unique_whatever_the_case")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="recency",
            field=models.PositiveSmallIntegerField(
                choices=[
                    (1, "A little: good papers stay for weeks"),
                    (2, "Some: this week's papers first"),
                    (3, "Much: today's papers first"),
                ],
                default=2,
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="digest",
            field=models.CharField(
                choices=[("off", "Off"), ("daily", "Daily"), ("weekly", "Weekly (on Mondays)")],
                default="off",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="onboarded_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="user",
            name="feed_token",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(give_every_member_a_feed_token, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="feed_token",
            field=models.CharField(
                default=accounts.models.new_feed_token, editable=False, max_length=64, unique=True
            ),
        ),
    ]
