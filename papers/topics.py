"""Topics are concepts: every spelling of a keyword (`TopicAlias`) points at one `Topic`, and papers are
linked to the concept once (`PaperTopic`), whichever spellings they use.

The rules (normalised keys, acronym evidence, thresholds) are pure functions in `papers.topic_rules`;
this module applies them to the database:

- At import, `resolve_keywords(items)` gives every spelling of the batch its concept: a known spelling
  keeps its own; a new one joins the concept of a spelling with the same key, or starts a concept.
  Acronym evidence found in the batch's papers joins concepts (`_join_on_evidence`). After the papers
  are written, `settle_topics(topic_ids)` joins acronyms and phrases that co-occur enough, recounts the
  concepts' and spellings' papers and picks each concept's name: its most used spelling.
- Moderators correct with `merge_topics`, `split_alias` and `rename_topic`, each logged. Their decisions
  pin the spellings involved (`decided_by_moderator`): an import never moves a pinned spelling, so two
  concepts that both hold pinned spellings (a split's two halves) are never joined again automatically.
  A renamed concept keeps its name (`Topic.name_decided_by_moderator`).

Every write compares first and saves only differences: importing the same files again writes nothing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count

from accounts.models import User

from .caching import bump_pages_version
from .models import Follow, ModerationAction, Paper, PaperTopic, Topic, TopicAlias, normalize_whitespace, topic_slug
from .moderation import clean_reason, log_action
from .topic_rules import cooccur, evidence_for, paper_text, pick_name, related_by_name, topic_key

NAME_MAX_LENGTH = 200
IN_CHUNK = 2000  # values per `__in` lookup, as in papers.ingest.related


def chunks(values: Sequence) -> Iterator[Sequence]:
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]


def key_of(name: str, slug: str) -> str:
    """The spelling's key; a name with no letters or digits falls back to its slug."""
    return topic_key(name) or slug


# Import


def resolve_keywords(papers: Iterable[tuple[str, str, Sequence[str]]]) -> dict[str, int]:
    """The concept (Topic pk) of every keyword of the papers (title, abstract, keywords), by the keyword's slug."""
    names: dict[str, str] = {}
    texts: dict[str, list[str]] = defaultdict(list)
    for title, abstract, keywords in papers:
        text = paper_text(title, abstract, keywords)
        for keyword in keywords:
            slug = topic_slug(keyword)
            names.setdefault(slug, keyword[:NAME_MAX_LENGTH])
            texts[slug].append(text)
    _create_aliases(names)
    _join_on_evidence(names, texts)
    topics: dict[str, int] = {}
    for chunk in chunks(list(names)):
        topics.update(TopicAlias.objects.filter(slug__in=chunk).values_list("slug", "topic_id"))
    return topics


def _create_aliases(names: dict[str, str]) -> None:
    """New spellings join the concept of a spelling with their key (the most used), or start one."""
    existing: set[str] = set()
    for chunk in chunks(list(names)):
        existing.update(TopicAlias.objects.filter(slug__in=chunk).values_list("slug", flat=True))
    new = {slug: name for slug, name in sorted(names.items()) if slug not in existing}
    if not new:
        return
    keys = {slug: key_of(name, slug) for slug, name in new.items()}
    by_key: dict[str, int] = {}
    for chunk in chunks(list(set(keys.values()))):
        for key, topic_id in TopicAlias.objects.with_key(chunk).values_list("key", "topic_id"):
            by_key.setdefault(key, topic_id)
    # Topics made before spellings existed (or by hand) are adopted by the spelling of their slug.
    adopted = dict(Topic.objects.filter(slug__in=list(new)).values_list("slug", "pk"))
    for slug, topic_id in adopted.items():
        by_key.setdefault(keys[slug], topic_id)
    starting = {slug: new[slug] for slug in new if keys[slug] not in by_key and slug not in adopted}
    Topic.objects.bulk_create(Topic(slug=slug, name=name) for slug, name in _first_per_key(starting, keys).items())
    by_key.update(
        (keys[slug], pk) for slug, pk in Topic.objects.filter(slug__in=list(starting)).values_list("slug", "pk")
    )
    TopicAlias.objects.bulk_create(
        TopicAlias(slug=slug, name=name, key=keys[slug], topic_id=adopted.get(slug, by_key[keys[slug]]))
        for slug, name in new.items()
    )


def _first_per_key(names: dict[str, str], keys: dict[str, str]) -> dict[str, str]:
    firsts: dict[str, str] = {}
    seen: set[str] = set()
    for slug, name in names.items():
        if keys[slug] not in seen:
            seen.add(keys[slug])
            firsts[slug] = name
    return firsts


def _join_on_evidence(names: dict[str, str], texts: dict[str, list[str]]) -> None:
    """Record what the batch's papers define each spelling as, then join the concepts the evidence links."""
    aliases = [alias for chunk in chunks(list(names)) for alias in TopicAlias.objects.filter(slug__in=chunk)]
    found = []
    for alias in aliases:
        if not alias.evidence_key and (evidence := evidence_for(alias.name, texts[alias.slug])):
            alias.evidence_key = evidence
            found.append(alias)
    TopicAlias.objects.bulk_update(found, ["evidence_key"])
    keys = {alias.key for alias in aliases} | {alias.evidence_key for alias in aliases if alias.evidence_key}
    others = [
        other
        for chunk in chunks(sorted(keys))
        for other in TopicAlias.objects.filter(key__in=chunk) | TopicAlias.objects.filter(evidence_key__in=chunk)
    ]
    by_key: dict[str, set[int]] = defaultdict(set)
    by_evidence: dict[str, set[int]] = defaultdict(set)
    for other in others:
        by_key[other.key].add(other.topic_id)
        by_evidence[other.evidence_key].add(other.topic_id)
    pairs = [
        (alias.topic_id, topic_id)
        for alias in aliases
        for topic_id in sorted(
            by_key[alias.key] | by_evidence[alias.key] | (by_key[alias.evidence_key] if alias.evidence_key else set())
        )
        if topic_id != alias.topic_id
    ]
    _join_pairs(pairs)


def settle_topics(topic_ids: Iterable[int]) -> None:
    """After the papers are written: join co-occurring acronyms and phrases, then recount and rename."""
    ids = set(topic_ids)
    _recount_topics(ids)
    merged = _join_pairs(_cooccurring_pairs(ids))
    refresh_topics({merged.get(pk, pk) for pk in ids})


def _cooccurring_pairs(topic_ids: set[int]) -> list[tuple[int, int]]:
    """Pairs of concepts that share enough papers (topic_rules.cooccur) and whose names are acronym and phrase."""
    shared: Counter[tuple[int, int]] = Counter()
    for chunk in chunks(sorted(topic_ids)):
        rows = (
            PaperTopic.objects.filter(topic_id__in=chunk)
            .values_list("topic_id", "paper__paper_topics__topic_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for topic_id, other_id, n in rows:
            if topic_id != other_id:
                shared[min(topic_id, other_id), max(topic_id, other_id)] = n
    candidates = [pair for pair, n in shared.items() if n >= 2]
    involved = {pk for pair in candidates for pk in pair}
    counts = dict(Topic.objects.filter(pk__in=involved).values_list("pk", "paper_count"))
    names: dict[int, list[str]] = defaultdict(list)
    for topic_id, name in TopicAlias.objects.of_topics(involved).values_list("topic_id", "name"):
        names[topic_id].append(name)
    return [
        (a, b)
        for a, b in sorted(candidates)
        if cooccur(shared[a, b], counts.get(a, 0), counts.get(b, 0)) and related_by_name(names[a], names[b])
    ]


def _join_pairs(pairs: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Join each pair of concepts unless that would move a moderator's spelling; returns merged → kept."""
    merged: dict[int, int] = {}

    def current(pk: int) -> int:
        while pk in merged:
            pk = merged[pk]
        return pk

    for first, second in pairs:
        a, b = current(first), current(second)
        if a == b:
            continue
        pinned = set(TopicAlias.objects.of_topics([a, b]).pinned().values_list("topic_id", flat=True))
        if len(pinned) == 2:
            continue
        counts = dict(Topic.objects.filter(pk__in=[a, b]).values_list("pk", "paper_count"))
        source, target = sorted((a, b), key=lambda pk: (pk in pinned, counts.get(pk, 0), -pk))
        _merge(source, target)
        merged[source] = target
    return merged


# Rows that follow from the spellings: the papers' concepts, counts, names, follows


def relink_papers(paper_ids: Iterable[int]) -> None:
    """Each paper's concepts again from its keywords, in keyword order, one row per concept; changes only."""
    for chunk in chunks(sorted(set(paper_ids))):
        keywords = dict(Paper.objects.filter(pk__in=chunk).values_list("pk", "keywords"))
        slugs = {pk: [topic_slug(keyword) for keyword in words] for pk, words in keywords.items()}
        concept = dict(
            TopicAlias.objects.filter(slug__in={s for ss in slugs.values() for s in ss}).values_list("slug", "topic_id")
        )
        current: dict[int, list[int]] = defaultdict(list)
        for paper_id, topic_id in PaperTopic.objects.filter(paper_id__in=chunk).values_list("paper_id", "topic_id"):
            current[paper_id].append(topic_id)
        wanted = {pk: list(dict.fromkeys(concept[s] for s in ss if s in concept)) for pk, ss in slugs.items()}
        stale = [pk for pk in wanted if wanted[pk] != current[pk]]
        PaperTopic.objects.filter(paper_id__in=stale).delete()
        PaperTopic.objects.bulk_create(
            PaperTopic(paper_id=pk, topic_id=topic_id, position=position)
            for pk in stale
            for position, topic_id in enumerate(wanted[pk])
        )


def move_follows(source_id: int, target_id: int) -> None:
    """The follows and mutes of a concept merged into another move to it, one per member.

    A member who followed (or muted) both keeps one. One who followed one and muted the other ends up
    following: following is what the member asked for explicitly about this concept, and a mute hides
    papers, which a merge should never start doing on its own.
    """
    both = Follow.objects.filter(topic_id=target_id, user__in=Follow.objects.filter(topic_id=source_id).values("user"))
    followers = Follow.objects.filter(topic_id=source_id, mode=Follow.Mode.FOLLOW).values("user")
    both.filter(mode=Follow.Mode.MUTE, user__in=followers).update(mode=Follow.Mode.FOLLOW)
    Follow.objects.filter(topic_id=source_id, user__in=both.values("user")).delete()
    Follow.objects.filter(topic_id=source_id).update(topic_id=target_id)


def refresh_topics(topic_ids: Iterable[int]) -> None:
    """Recount the concepts' papers and their spellings' papers, and name each by its most used spelling."""
    ids = set(topic_ids)
    _recount_topics(ids)
    used: Counter[str] = Counter()
    for chunk in chunks(sorted(ids)):
        for keywords in Paper.objects.filter(paper_topics__topic_id__in=chunk).distinct().values_list("keywords"):
            used.update({topic_slug(keyword) for keyword in keywords[0]})
    aliases = list(TopicAlias.objects.of_topics(ids).order_by("pk"))
    recounted = [alias for alias in aliases if alias.paper_count != used[alias.slug]]
    for alias in recounted:
        alias.paper_count = used[alias.slug]
    TopicAlias.objects.bulk_update(recounted, ["paper_count"])
    by_topic: dict[int, list[TopicAlias]] = defaultdict(list)
    for alias in aliases:
        by_topic[alias.topic_id].append(alias)
    renamed = []
    for topic in Topic.objects.filter(pk__in=ids, name_decided_by_moderator=False):
        spellings = {alias.slug: alias.paper_count for alias in by_topic[topic.pk]}
        if not spellings:
            continue
        slug = pick_name(spellings, topic.slug)
        name = next(alias.name for alias in by_topic[topic.pk] if alias.slug == slug)
        if (topic.slug, topic.name) != (slug, name):
            topic.slug, topic.name = slug, name
            renamed.append(topic)
    Topic.objects.bulk_update(renamed, ["slug", "name"])


def _recount_topics(ids: set[int]) -> None:
    """Each concept's papers recounted from PaperTopic rows; only the counts that differ are saved."""
    for chunk in chunks(sorted(ids)):
        counts = dict(
            PaperTopic.objects.filter(topic_id__in=chunk).values_list("topic_id").annotate(n=Count("pk")).order_by()
        )
        stored = Topic.objects.filter(pk__in=chunk).only("pk", "paper_count")
        changed = [topic for topic in stored if topic.paper_count != counts.get(topic.pk, 0)]
        for topic in changed:
            topic.paper_count = counts.get(topic.pk, 0)
        Topic.objects.bulk_update(changed, ["paper_count"])


def _merge(source_id: int, target_id: int, *, pin: bool = False) -> None:
    """Move every spelling, paper and follow of `source` to `target`, then delete `source`."""
    paper_ids = list(PaperTopic.objects.filter(topic_id=source_id).values_list("paper_id", flat=True))
    TopicAlias.objects.filter(topic_id=source_id).update(topic_id=target_id)
    if pin:
        TopicAlias.objects.filter(topic_id=target_id).update(decided_by_moderator=True)
    move_follows(source_id, target_id)
    Topic.objects.filter(pk=source_id).delete()
    relink_papers(paper_ids)
    refresh_topics([target_id])


# Moderators' corrections


def merge_topics(moderator: User, source: Topic, target: Topic, reason: str) -> None:
    """Make `source` a part of `target`: its spellings, papers and follows; every spelling is pinned."""
    reason = clean_reason(reason)
    if source.pk == target.pk:
        raise ValidationError("Choose another topic to merge this one into.")
    with transaction.atomic():
        details = {"from": source.name, "from_slug": source.slug, "into": target.name, "into_slug": target.slug}
        _merge(source.pk, target.pk, pin=True)
        log_action(moderator, ModerationAction.Action.MERGE_TOPICS, reason, topic=target, details=details)
        transaction.on_commit(bump_pages_version)


def split_alias(moderator: User, alias: TopicAlias, reason: str) -> Topic:
    """Make one spelling a topic of its own, with the papers that use it; both halves stay apart for good.

    Follows and mutes stay with the topic split from: members chose that concept, not the spelling."""
    reason = clean_reason(reason)
    source = alias.topic
    with transaction.atomic():
        if TopicAlias.objects.filter(topic=source).count() < 2:
            raise ValidationError(f"“{alias.name}” is the only spelling of this topic: there is nothing to split.")
        if source.slug == alias.slug:  # the source takes its next best spelling first: slugs are unique
            best = TopicAlias.objects.others_of(source).first()
            assert best is not None
            Topic.objects.filter(pk=source.pk).update(slug=best.slug, name=best.name)
        topic = Topic.objects.create(slug=alias.slug, name=alias.name)
        TopicAlias.objects.filter(pk=alias.pk).update(topic=topic)
        TopicAlias.objects.of_topics([source.pk, topic.pk]).update(decided_by_moderator=True)
        relink_papers(PaperTopic.objects.filter(topic=source).values_list("paper_id", flat=True))
        refresh_topics([source.pk, topic.pk])
        details = {"alias": alias.name, "from": source.name, "from_slug": source.slug, "into_slug": topic.slug}
        log_action(moderator, ModerationAction.Action.SPLIT_TOPIC, reason, topic=topic, details=details)
        transaction.on_commit(bump_pages_version)
    return topic


def rename_topic(moderator: User, topic: Topic, name: str, reason: str) -> None:
    """Give a topic a canonical name of the moderator's choice; imports keep it. Its old address redirects."""
    reason = clean_reason(reason)
    name = normalize_whitespace(name)[:NAME_MAX_LENGTH]
    slug = topic_slug(name)
    if not slug:
        raise ValidationError("Give a name with letters or digits.")
    with transaction.atomic():
        taken = TopicAlias.objects.filter(slug=slug).exclude(topic=topic).select_related("topic").first()
        if taken:
            raise ValidationError(f"“{name}” is a spelling of “{taken.topic.name}”: merge the topics instead.")
        alias, _ = TopicAlias.objects.get_or_create(
            slug=slug, defaults={"topic": topic, "name": name, "key": key_of(name, slug)}
        )
        TopicAlias.objects.filter(pk=alias.pk).update(decided_by_moderator=True)
        details = {"from": topic.name, "from_slug": topic.slug, "to": name, "to_slug": slug}
        Topic.objects.filter(pk=topic.pk).update(slug=slug, name=name, name_decided_by_moderator=True)
        topic.slug, topic.name, topic.name_decided_by_moderator = slug, name, True
        log_action(moderator, ModerationAction.Action.RENAME_TOPIC, reason, topic=topic, details=details)
        transaction.on_commit(bump_pages_version)
