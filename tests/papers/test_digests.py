"""Email digests: the right period at the right hour, the member's best papers, and never the same period twice."""

import datetime as dt
import re
import threading

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.core.mail import EmailMultiAlternatives
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from papers import digests
from papers.models import DigestDelivery, Follow
from papers.tasks import send_digests as send_digests_task
from tests.factories import make_author, make_paper, make_user

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 8, 17)
TUESDAY, WEDNESDAY, THURSDAY = (MONDAY + dt.timedelta(days=n) for n in (1, 2, 3))


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


def subscribe(user, digest="daily", *, verified=True, primary=True):
    user.digest = digest
    user.save(update_fields=["digest"])
    EmailAddress.objects.create(user=user, email=user.email, primary=primary, verified=verified)
    Follow.objects.create(user=user, target=Follow.Target.AUTHOR, author=make_author("Grace Hopper"))
    return user


def by_hopper(title, day, **fields):
    return make_paper(title=title, authors=("Grace Hopper",), listed_on=day, **fields)


@pytest.fixture
def subscriber(member):
    return subscribe(member)


def results(outcomes):
    return [(outcome.member.username, outcome.result, outcome.papers) for outcome in outcomes]


# --- When -------------------------------------------------------------------------------------------------


def test_a_daily_digest_goes_out_from_the_hour_with_the_day_before(subscriber, mailoutbox):
    by_hopper("Yesterday's paper", TUESDAY)
    by_hopper("Today's paper", WEDNESDAY)  # the day is not over: tomorrow's digest
    make_paper(title="Not followed", authors=("Someone Else",), listed_on=TUESDAY)
    assert digests.send_digests(at(WEDNESDAY, 6, 59)) == []
    assert mailoutbox == [] and not DigestDelivery.objects.exists()

    assert results(digests.send_digests(at(WEDNESDAY, 7))) == [("ada", "sent", 1)]
    [email] = mailoutbox
    assert email.to == ["ada@example.com"]
    assert email.subject == "Your daily digest: 1 paper for Tuesday 18 August 2026"
    assert "Yesterday's paper" in email.body
    assert "Today's paper" not in email.body and "Not followed" not in email.body
    delivery = DigestDelivery.objects.get()
    assert (delivery.user, delivery.frequency, delivery.period_start, delivery.papers) == (
        subscriber,
        "daily",
        TUESDAY,
        1,
    )
    assert delivery.sent_at is not None


def test_papers_listed_after_the_period_never_crowd_out_the_periods_own(subscriber, mailoutbox):
    by_hopper("Yesterday's paper", TUESDAY)
    for n in range(60):  # today's papers rank first in the live feed (no age yet)
        by_hopper(f"Today's paper {n}", WEDNESDAY, hf_upvotes=100)
    assert results(digests.send_digests(at(WEDNESDAY, 7))) == [("ada", "sent", 1)]
    assert "Yesterday's paper" in mailoutbox[0].body and "Today's paper" not in mailoutbox[0].body


def test_the_task_run_twice_in_a_period_sends_one_email(subscriber, mailoutbox):
    by_hopper("A paper", TUESDAY)
    digests.send_digests(at(WEDNESDAY, 7))
    assert digests.send_digests(at(WEDNESDAY, 8)) == []  # nothing due any more: not even looked at
    assert digests.send_digests(at(WEDNESDAY, 23, 59)) == []
    assert len(mailoutbox) == 1
    assert DigestDelivery.objects.count() == 1


def test_the_hour_is_a_setting(settings, subscriber, mailoutbox):
    settings.DIGEST_HOUR_UTC = 9
    by_hopper("A paper", TUESDAY)
    assert digests.send_digests(at(WEDNESDAY, 8, 59)) == []
    assert results(digests.send_digests(at(WEDNESDAY, 9))) == [("ada", "sent", 1)]


def test_times_in_other_zones_count_in_utc(subscriber, mailoutbox):
    by_hopper("A paper", TUESDAY)
    paris = dt.timezone(dt.timedelta(hours=2))
    assert digests.send_digests(dt.datetime(2026, 8, 19, 8, 30, tzinfo=paris)) == []  # 06:30 UTC
    assert len(digests.send_digests(dt.datetime(2026, 8, 19, 9, 0, tzinfo=paris))) == 1


def test_a_weekly_digest_goes_out_on_mondays_only_for_the_week_that_ended(member, mailoutbox):
    subscribe(member, "weekly")
    by_hopper("Two weeks ago", MONDAY - dt.timedelta(days=14))
    by_hopper("Last Monday", MONDAY - dt.timedelta(days=7))
    by_hopper("Last Sunday", MONDAY - dt.timedelta(days=1))
    by_hopper("This Monday", MONDAY)
    for moment in (at(MONDAY - dt.timedelta(days=1), 12), at(MONDAY, 6), at(TUESDAY, 7), at(THURSDAY, 12)):
        assert digests.send_digests(moment) == [], moment
    assert results(digests.send_digests(at(MONDAY, 7))) == [("ada", "sent", 2)]
    [email] = mailoutbox
    assert email.subject == "Your weekly digest: 2 papers for the week of 10 August 2026"
    assert "Last Monday" in email.body and "Last Sunday" in email.body
    assert "Two weeks ago" not in email.body and "This Monday" not in email.body
    assert DigestDelivery.objects.get().period_start == MONDAY - dt.timedelta(days=7)
    assert digests.send_digests(at(MONDAY, 8)) == []


# --- Who --------------------------------------------------------------------------------------------------


def test_only_members_with_the_digest_on_and_a_verified_primary_address_get_one(subscriber, mailoutbox):
    by_hopper("A paper", TUESDAY)
    subscribe(make_user("unverified"), verified=False)
    subscribe(make_user("secondary"), primary=False)
    no_address = make_user("noaddress", digest="daily")
    Follow.objects.create(user=no_address, target=Follow.Target.AUTHOR, author=make_author("Grace Hopper"))
    off = subscribe(make_user("off"))
    off.digest = "off"
    off.save()
    inactive = subscribe(make_user("inactive"))
    inactive.is_active = False
    inactive.save()
    subscribe(make_user("gone")).anonymize()
    assert results(digests.send_digests(at(WEDNESDAY, 7))) == [("ada", "sent", 1)]
    assert [email.to for email in mailoutbox] == [["ada@example.com"]]


def test_the_digest_goes_to_the_verified_primary_address(subscriber, mailoutbox):
    EmailAddress.objects.filter(user=subscriber).update(email="ada@new.example")
    by_hopper("A paper", TUESDAY)
    digests.send_digests(at(WEDNESDAY, 7))
    assert mailoutbox[0].to == ["ada@new.example"]


def test_a_member_with_nothing_to_read_gets_no_email_and_the_period_is_not_reconsidered(
    subscriber, mailoutbox, monkeypatch
):
    make_paper(title="Not followed", authors=("Someone Else",), listed_on=TUESDAY)
    by_hopper("Too old", TUESDAY - dt.timedelta(days=20))
    assert results(digests.send_digests(at(WEDNESDAY, 7))) == [("ada", "empty", 0)]
    assert mailoutbox == []
    delivery = DigestDelivery.objects.get()
    assert (delivery.period_start, delivery.papers, delivery.sent_at) == (TUESDAY, 0, None)

    def must_not_build(*args):
        raise AssertionError("a recorded period was built again")

    monkeypatch.setattr(digests, "build_digest", must_not_build)
    assert digests.send_digests(at(WEDNESDAY, 8)) == []


def test_a_member_who_follows_nothing_gets_nothing(member, mailoutbox):
    member.digest = "daily"
    member.save()
    EmailAddress.objects.create(user=member, email=member.email, primary=True, verified=True)
    make_paper(title="Popular", hf_upvotes=500, listed_on=TUESDAY)
    assert results(digests.send_digests(at(WEDNESDAY, 7))) == [("ada", "empty", 0)]
    assert mailoutbox == []


# --- What -------------------------------------------------------------------------------------------------


def test_the_email_has_text_and_html_parts_with_each_paper_its_link_and_why(subscriber, mailoutbox):
    paper = by_hopper("Compilers <for> everyone", TUESDAY, topics=("compilers",))
    Follow.objects.create(user=subscriber, target=Follow.Target.TOPIC, topic=paper.topics.get())
    digests.send_digests(at(WEDNESDAY, 7))
    [email] = mailoutbox
    url = f"http://localhost:8000/papers/{paper.arxiv_id}/"
    assert "1. Compilers <for> everyone" in email.body and url in email.body
    assert "Why: You follow Grace Hopper; You follow compilers" in email.body
    assert "Your whole feed: http://localhost:8000/feed/" in email.body
    assert "http://localhost:8000/settings/" in email.body
    [(html, mimetype)] = email.alternatives
    assert mimetype == "text/html"
    assert f'<a href="{url}"><strong>Compilers &lt;for&gt; everyone</strong></a>' in html
    assert "Why: You follow Grace Hopper; You follow compilers" in html
    assert 'href="http://localhost:8000/settings/"' in html
    assert email.extra_headers["List-Unsubscribe"].startswith("<http://localhost:8000/unsubscribe/")


def test_a_paper_shown_despite_a_mute_says_why(subscriber, mailoutbox):
    paper = by_hopper("Hopper's robots", TUESDAY, topics=("robots",))
    Follow.objects.create(user=subscriber, target=Follow.Target.TOPIC, topic=paper.topics.get(), mode="mute")
    digests.send_digests(at(WEDNESDAY, 7))
    [email] = mailoutbox
    explanation = "Shown although you mute “robots”: you follow Grace Hopper"
    assert explanation in email.body and explanation in email.alternatives[0][0]


def test_a_digest_has_the_ten_best_papers_best_first(subscriber, mailoutbox):
    for n in range(14):
        by_hopper(f"Paper {n:02d}", TUESDAY, hf_upvotes=n * 10)
    assert results(digests.send_digests(at(WEDNESDAY, 7))) == [("ada", "sent", 10)]
    titles = re.findall(r"^\d+\. (Paper \d+)$", mailoutbox[0].body, re.MULTILINE)
    assert titles == [f"Paper {n:02d}" for n in range(13, 3, -1)]


def test_the_next_digest_starts_where_the_last_one_ended(subscriber, mailoutbox):
    by_hopper("Tuesday's paper", TUESDAY)
    digests.send_digests(at(WEDNESDAY, 7))
    by_hopper("Wednesday's paper", WEDNESDAY)
    digests.send_digests(at(THURSDAY, 7))
    assert len(mailoutbox) == 2
    assert "Wednesday's paper" in mailoutbox[1].body and "Tuesday's paper" not in mailoutbox[1].body


def test_days_without_a_digest_are_caught_up_for_a_week_at_most(subscriber, mailoutbox):
    DigestDelivery.objects.create(
        user=subscriber, frequency="daily", period_start=MONDAY - dt.timedelta(days=3), papers=2, sent_at=at(MONDAY, 7)
    )  # covered Friday; nothing got since
    by_hopper("Saturday", MONDAY - dt.timedelta(days=2))
    by_hopper("Tuesday", TUESDAY)
    by_hopper("Friday", MONDAY - dt.timedelta(days=3))
    by_hopper("Nine days ago", WEDNESDAY - dt.timedelta(days=9))
    digests.send_digests(at(WEDNESDAY, 7))
    body = mailoutbox[0].body
    assert "Saturday" in body and "Tuesday" in body
    assert "Friday" not in body  # in the last digest

    DigestDelivery.objects.all().delete()
    DigestDelivery.objects.create(
        user=subscriber, frequency="daily", period_start=MONDAY - dt.timedelta(days=30), sent_at=at(MONDAY, 7)
    )
    mailoutbox.clear()
    digests.send_digests(at(WEDNESDAY, 7))
    assert "Friday" in mailoutbox[0].body and "Nine days ago" not in mailoutbox[0].body


def test_after_a_switch_from_daily_to_weekly_the_next_digest_starts_after_the_week(subscriber, mailoutbox):
    last_monday = MONDAY - dt.timedelta(days=7)
    DigestDelivery.objects.create(
        user=subscriber,
        frequency="daily",
        period_start=last_monday + dt.timedelta(days=1),
        sent_at=at(last_monday + dt.timedelta(days=2), 7),
    )  # last Tuesday's digest; then weekly: last week's, which starts earlier but ends later
    DigestDelivery.objects.create(user=subscriber, frequency="weekly", period_start=last_monday, sent_at=at(MONDAY, 7))
    by_hopper("Already in the weekly digest", last_monday + dt.timedelta(days=3))
    by_hopper("Fresh paper", MONDAY)

    assert digests.digest_since(subscriber, digests.Period("daily", MONDAY)) == MONDAY
    digests.send_digests(at(TUESDAY, 7))  # back to daily: Monday's digest
    [email] = mailoutbox
    assert "Fresh paper" in email.body and "Already in the weekly digest" not in email.body


# --- Unsubscribing --------------------------------------------------------------------------------------------


def test_the_unsubscribe_link_turns_the_digest_off_with_a_post_only(client, subscriber, mailoutbox):
    by_hopper("A paper", TUESDAY)
    digests.send_digests(at(WEDNESDAY, 7))
    link = next(line for line in mailoutbox[0].body.splitlines() if "/unsubscribe/" in line).split(": ", 1)[1]
    path = link.removeprefix("http://localhost:8000")
    assert path in mailoutbox[0].alternatives[0][0]
    page = client.get(path)
    assert page.status_code == 200
    assert "Stop emails to @ada about the digest of papers picked for you?" in page.text
    subscriber.refresh_from_db()
    assert subscriber.digest == "daily"  # GET changes nothing
    response = client.post(path)
    assert response.status_code == 200 and "We will no longer email @ada about the digest" in response.text
    subscriber.refresh_from_db()
    assert subscriber.digest == "off"
    assert (subscriber.email_on_reply, subscriber.email_on_mention) == (True, True)
    assert digests.send_digests(at(THURSDAY, 7)) == []


def test_an_unsubscribe_link_needs_the_csrf_token_like_every_form(subscriber, mailoutbox):
    from papers.emails import unsubscribe_url

    path = unsubscribe_url(subscriber, "digest").removeprefix("http://localhost:8000")
    client = Client(enforce_csrf_checks=True)
    assert client.post(path).status_code == 403
    page = client.get(path)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    assert client.post(path, {"csrfmiddlewaretoken": token}).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.digest == "off"


# --- Failures -------------------------------------------------------------------------------------------------


def test_a_failed_send_is_tried_again_by_a_later_run_and_sent_once(subscriber, mailoutbox, monkeypatch, caplog):
    by_hopper("A paper", TUESDAY)
    real_send = EmailMultiAlternatives.send

    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("the mail server is down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    assert results(digests.send_digests(at(WEDNESDAY, 7))) == [("ada", "failed", 0)]
    assert "digest" in caplog.text and "failed" in caplog.text
    assert not DigestDelivery.objects.exists()  # nothing says it was sent: the next run may try

    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)
    assert results(digests.send_digests(at(WEDNESDAY, 8))) == [("ada", "sent", 1)]
    assert results(digests.send_digests(at(WEDNESDAY, 9))) == []
    assert len(mailoutbox) == 1


def test_a_digest_that_may_have_gone_out_is_never_sent_again(subscriber, mailoutbox):
    """A run died after handing the email over and before recording it: at most once, so never again."""
    by_hopper("A paper", TUESDAY)
    DigestDelivery.objects.create(user=subscriber, frequency="daily", period_start=TUESDAY, papers=1)
    assert digests.send_digests(at(WEDNESDAY, 8)) == []
    assert mailoutbox == []


def test_a_period_claimed_by_another_run_is_left_to_it(subscriber, mailoutbox):
    by_hopper("A paper", TUESDAY)
    period = digests.due_period("daily", at(WEDNESDAY, 7))
    DigestDelivery.objects.create(user=subscriber, frequency="daily", period_start=period.start)
    outcome = digests.deliver(subscriber, period, subscriber.email)  # as if loaded before the other run's claim
    assert outcome.result == "taken"
    assert mailoutbox == []


# --- The command and the task ---------------------------------------------------------------------------------


def test_the_command_sends_what_is_due_at_now(subscriber, mailoutbox, capsys):
    by_hopper("A paper", TUESDAY)
    call_command("send_digests", "--now", "2026-08-19T07:30")
    assert "Digests: 1 sent" in capsys.readouterr().out
    assert len(mailoutbox) == 1
    call_command("send_digests", "--now", "2026-08-19T08:30:00+00:00")
    assert "nothing due" in capsys.readouterr().out
    assert len(mailoutbox) == 1


def test_the_commands_dry_run_records_and_sends_nothing(subscriber, mailoutbox, capsys):
    by_hopper("A paper", TUESDAY)
    call_command("send_digests", "--now", "2026-08-19T07:30", "--dry-run")
    out = capsys.readouterr().out
    assert "@ada: Tuesday 18 August 2026: would send (1 paper)" in out
    assert mailoutbox == [] and not DigestDelivery.objects.exists()


def test_the_command_refuses_a_bad_moment():
    with pytest.raises(CommandError, match="is not an ISO date and time"):
        call_command("send_digests", "--now", "tomorrow")


def test_the_hourly_task_is_registered_under_the_name_beat_uses(subscriber, mailoutbox):
    entry = django_settings.CELERY_BEAT_SCHEDULE["send-digests"]
    assert entry["task"] == send_digests_task.name
    assert entry["schedule"].minute == {0} and len(entry["schedule"].hour) == 24
    by_hopper("A paper", TUESDAY)
    assert send_digests_task.delay("2026-08-19T07:05:00+00:00").get() == {"sent": 1}
    assert send_digests_task.delay("2026-08-19T08:05:00+00:00").get() == {}
    assert len(mailoutbox) == 1


# --- Concurrency (PostgreSQL) ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_send_one_email_per_member_and_period(mailoutbox):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so concurrent runs cannot race")
    members = [subscribe(make_user(f"racer{n}")) for n in range(4)]
    by_hopper("A paper", TUESDAY)
    runs = 6
    barrier = threading.Barrier(runs)
    outcomes, errors = [], []

    def run() -> None:
        try:
            barrier.wait()
            outcomes.extend(digests.send_digests(at(WEDNESDAY, 7)))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(email.to[0] for email in mailoutbox) == sorted(member.email for member in members)
    assert sorted(outcome.member.username for outcome in outcomes if outcome.result == "sent") == sorted(
        member.username for member in members
    )
    assert {outcome.result for outcome in outcomes} <= {"sent", "taken"}
    assert DigestDelivery.objects.exclude(sent_at=None).count() == len(members)
