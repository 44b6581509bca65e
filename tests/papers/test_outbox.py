"""Tasks queued with a write are never lost: kept in the outbox while the broker is away, relayed when it answers."""

import pytest
from celery import Celery
from django.core.management import call_command
from django.db import transaction

from papers import outbox
from papers.models import Comment, Notification, OutboxMessage
from tests.factories import make_comment, make_paper, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_broker(monkeypatch):
    monkeypatch.setattr(outbox, "broker", outbox.new_broker_breaker())


@pytest.fixture
def dead_broker(fresh_broker, monkeypatch):
    """Celery with a broker nothing listens on (a Redis on port 1): every publish is refused at once."""
    app = Celery("dead-broker", broker="redis://127.0.0.1:1/0", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_url="redis://127.0.0.1:1/0", task_always_eager=False)
    monkeypatch.setattr(outbox, "current_app", app)
    yield app
    app.close()


def test_a_queued_task_runs_after_commit_and_leaves_nothing(django_capture_on_commit_callbacks, fresh_broker):
    paper = make_paper()
    with django_capture_on_commit_callbacks(execute=True):
        outbox.queue("papers.tasks.notify_new_papers", [paper.pk])
        assert OutboxMessage.objects.count() == 1  # written with the change
    assert OutboxMessage.objects.count() == 0  # handed over (run eagerly here) and deleted


def test_a_rolled_back_write_queues_nothing(django_capture_on_commit_callbacks, fresh_broker):
    capture = django_capture_on_commit_callbacks(execute=True)
    with capture as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        outbox.queue("papers.tasks.notify_new_papers", [1])
        raise RuntimeError
    assert OutboxMessage.objects.count() == 0 and callbacks == []


def test_with_the_broker_away_a_reply_is_saved_and_its_email_waits(
    dead_broker, client, django_capture_on_commit_callbacks
):
    paper = make_paper()
    author = make_user("ada", email="ada@example.org")
    parent = make_comment(paper, author)
    replier = make_user("bob")
    client.force_login(replier)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/papers/{paper.arxiv_id}/comments/", {"body": "A reply", "parent": parent.pk})
    assert response.status_code == 302
    assert Comment.objects.filter(parent=parent, author=replier).exists()
    notification = Notification.objects.get(recipient=author)
    # (the reply also queues the feeds' updates of those who follow its author)
    waiting = OutboxMessage.objects.get(task="papers.tasks.send_notification_email")
    assert waiting.args == [notification.pk]
    assert waiting.attempts == 1 and waiting.last_error
    assert not outbox.broker.is_reachable()


def test_the_sweep_relays_what_waited_once_the_broker_answers(fresh_broker, mailoutbox):
    """The reply's email was written to the outbox, and (as if the broker had been away) never handed over."""
    paper = make_paper()
    author = make_user("ada", email="ada@example.org")
    make_comment(paper, make_user("bob"), parent=make_comment(paper, author))  # on_commit never runs here
    notification = Notification.objects.get(recipient=author)
    # (the reply also queues the feeds' updates of those who follow its author)
    waiting = OutboxMessage.objects.get(task="papers.tasks.send_notification_email")
    assert waiting.args == [notification.pk]
    call_command("relay_outbox", verbosity=0)
    assert OutboxMessage.objects.count() == 0
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["ada@example.org"]


def test_the_sweep_keeps_messages_while_the_broker_is_away(dead_broker):
    OutboxMessage.objects.create(task="papers.tasks.notify_new_papers", args=[[1]])
    OutboxMessage.objects.create(task="papers.tasks.notify_new_papers", args=[[2]])
    call_command("relay_outbox", verbosity=0)
    assert OutboxMessage.objects.count() == 2
    assert sorted(OutboxMessage.objects.values_list("attempts", flat=True)) == [0, 1]  # one try, then left alone


def attempt(task, *args):
    """Run the task here once: what it returned, or the Retry it asked for (raised or stored, by configuration)."""
    from celery.exceptions import Retry

    try:
        return task.apply(args=args).result
    except Retry as retry:
        return retry


def test_an_email_that_fails_for_now_is_retried_and_sent_once(mailoutbox, monkeypatch):
    """The SMTP server refuses twice, then takes it: one email, recorded as sent; a later run sends nothing."""
    import smtplib

    from celery.exceptions import Retry
    from django.core.mail import EmailMultiAlternatives

    from papers.tasks import send_notification_email

    paper = make_paper()
    author = make_user("ada", email="ada@example.org")
    make_comment(paper, make_user("bob"), parent=make_comment(paper, author))
    notification = Notification.objects.get(recipient=author)
    real_send, refusals = EmailMultiAlternatives.send, []

    def flaky_send(message, *args, **kwargs):
        if len(refusals) < 2:
            refusals.append(1)
            raise smtplib.SMTPServerDisconnected("try later")
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky_send)
    for _ in range(2):  # refused: Celery is asked to try again later, and nothing is marked as sent
        assert isinstance(attempt(send_notification_email, notification.pk), Retry)
        notification.refresh_from_db()
        assert notification.emailed_at is None and mailoutbox == []
    assert attempt(send_notification_email, notification.pk) is True  # the retry that goes through
    assert len(refusals) == 2 and len(mailoutbox) == 1
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert attempt(send_notification_email, notification.pk) is False  # delivered again: nothing sent
    assert len(mailoutbox) == 1


def test_an_email_whose_task_the_broker_lost_is_sent_by_the_sweep(mailoutbox):
    """The outbox handed the task over, then the broker lost its queue (a Redis restarted empty): the sweep that
    beat runs each minute finds the notification never emailed, and sends it once."""
    import datetime as dt

    from django.utils import timezone

    from papers.tasks import send_unsent_emails

    paper = make_paper()
    author = make_user("ada", email="ada@example.org")
    make_comment(paper, make_user("bob"), parent=make_comment(paper, author))  # its task: never run here
    notification = Notification.objects.get(recipient=author)
    assert send_unsent_emails.apply().result == 0  # too fresh: its task may only be late
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - dt.timedelta(minutes=3))
    assert send_unsent_emails.apply().result == 1
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["ada@example.org"]
    assert send_unsent_emails.apply().result == 0 and len(mailoutbox) == 1  # sent once
