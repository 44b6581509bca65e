"""Topics become concepts: every existing topic becomes a spelling (TopicAlias) of its concept, and the
spellings of one concept (papers.topic_rules: same key, acronym evidence, co-occurrence) are merged into
the topic with the most papers, with their papers and follows. Reversing keeps the merged topics merged."""

from collections import defaultdict

import django.db.models.deletion
from django.db import migrations, models
from django.utils.text import slugify

from papers.topic_rules import plan_concepts, pick_name, topic_key


def topic_slug(name: str) -> str:
    """papers.models.values.topic_slug, as it was when this migration was written."""
    return slugify(" ".join(name.replace("\x00", " ").split()), allow_unicode=True)[:120]


def convert(apps, schema_editor):
    Topic, TopicAlias, Paper, PaperTopic, Follow = (
        apps.get_model("papers", name) for name in ("Topic", "TopicAlias", "Paper", "PaperTopic", "Follow")
    )
    papers = list(Paper.objects.values_list("pk", "title", "abstract", "keywords"))
    plan = {spelling.slug: (group, spelling) for group in plan_concepts(papers, topic_slug) for spelling in group}
    topics = {topic.slug: topic for topic in Topic.objects.all()}
    TopicAlias.objects.bulk_create(
        TopicAlias(
            topic=topic,
            slug=slug,
            name=topic.name,
            key=topic_key(topic.name) or slug,
            evidence_key=plan[slug][1].evidence_key if slug in plan else "",
            paper_count=len(plan[slug][1].papers) if slug in plan else 0,
        )
        for slug, topic in topics.items()
    )
    touched: set[int] = set()
    for group, _ in {id(group): (group, None) for group, _ in plan.values()}.values():
        members = sorted((topics[s.slug] for s in group if s.slug in topics), key=lambda t: (-t.paper_count, t.pk))
        if len(members) < 2:
            continue
        target, sources = members[0], members[1:]
        for source in sources:
            both = Follow.objects.filter(topic=target, user__in=Follow.objects.filter(topic=source).values("user"))
            followers = Follow.objects.filter(topic=source, mode="follow").values("user")
            both.filter(mode="mute", user__in=followers).update(mode="follow")  # a follow beats a mute
            Follow.objects.filter(topic=source, user__in=both.values("user")).delete()
            Follow.objects.filter(topic=source).update(topic=target)
            TopicAlias.objects.filter(topic=source).update(topic=target)
            touched.update(PaperTopic.objects.filter(topic=source).values_list("paper_id", flat=True))
        Topic.objects.filter(pk__in=[source.pk for source in sources]).delete()
    concept = dict(TopicAlias.objects.values_list("slug", "topic_id"))
    by_pk = {pk: keywords for pk, _, _, keywords in papers}
    for paper_id in sorted(touched):
        PaperTopic.objects.filter(paper_id=paper_id).delete()
        wanted = dict.fromkeys(concept[s] for s in map(topic_slug, by_pk[paper_id]) if s in concept)
        PaperTopic.objects.bulk_create(
            PaperTopic(paper_id=paper_id, topic_id=topic_id, position=position)
            for position, topic_id in enumerate(wanted)
        )
    counts = defaultdict(int)
    for topic_id in PaperTopic.objects.values_list("topic_id", flat=True):
        counts[topic_id] += 1
    aliases = defaultdict(list)
    for alias in TopicAlias.objects.order_by("pk"):
        aliases[alias.topic_id].append(alias)
    for topic in Topic.objects.all():
        spellings = {alias.slug: alias.paper_count for alias in aliases[topic.pk]}
        slug = pick_name(spellings, topic.slug)
        name = next(alias.name for alias in aliases[topic.pk] if alias.slug == slug)
        if (topic.slug, topic.name, topic.paper_count) != (slug, name, counts[topic.pk]):
            topic.slug, topic.name, topic.paper_count = slug, name, counts[topic.pk]
            topic.save(update_fields=["slug", "name", "paper_count"])


class Migration(migrations.Migration):

    dependencies = [
        ('papers', '0010_comment_form_key'),
    ]

    operations = [
        migrations.AddField(
            model_name='topic',
            name='name_decided_by_moderator',
            field=models.BooleanField(default=False, help_text="Imports keep a moderator's name"),
        ),
        migrations.CreateModel(
            name='TopicAlias',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('slug', models.SlugField(allow_unicode=True, max_length=120, unique=True)),
                ('name', models.CharField(max_length=200)),
                ('key', models.CharField(db_index=True, help_text='topic_rules.topic_key(name)', max_length=200)),
                ('evidence_key', models.CharField(blank=True, db_index=True, help_text="Key of what this spelling's papers define it as", max_length=200)),
                ('paper_count', models.PositiveIntegerField(default=0, help_text='Papers whose keywords use this spelling')),
                ('decided_by_moderator', models.BooleanField(default=False, help_text='A moderator placed this spelling: imports never move it')),
                ('topic', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='aliases', to='papers.topic')),
            ],
            options={
                'verbose_name_plural': 'topic aliases',
                'ordering': ['name'],
                'indexes': [models.Index(fields=['topic', 'paper_count'], name='papers_topi_topic_i_68e4eb_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('key', ''), _negated=True), name='topicalias_key_not_empty')],
            },
        ),
        migrations.RunPython(convert, migrations.RunPython.noop),
    ]
