"""Topics are concepts: spellings that differ by case, plural, hyphens or punctuation, and an acronym with
its expansion when the papers say so, are one topic; old addresses redirect; follows move; moderators
merge, split and rename, and imports keep their decisions."""

from __future__ import annotations

import pytest
from django.db.models import Count

from papers.models import Paper, PaperTopic, TopicAlias, topic_slug
from papers.topic_rules import abbreviates, definitions, is_acronym, plan_concepts, singular, topic_key

KNOWN_PAIRS = [
    ("Vision-Language Models", "vision-language model"),
    ("GRPO", "Group Relative Policy Optimization"),
    ("3DGS", "3D Gaussian Splatting"),
    ("agent harness", "agent harnesses"),
]

# Every merge the import makes on the recorded days, each checked by hand (see the report in the README).
REVIEWED_MERGES = {
    frozenset({"3D Gaussian Splatting", "3DGS"}),
    frozenset({"ASR", "Attack Success Rate"}),
    frozenset({"AVA-Encoder", "Agentic Video Auto-Encoder"}),
    frozenset({"AdvFD", "Adversarial Fréchet Distance"}),
    frozenset({"Agent-centric Domain-Specific Language", "aDSL"}),
    frozenset({"B-Rep", "boundary representation"}),
    frozenset({"CFG", "Classifier-Free Guidance (CFG)", "classifier-free guidance"}),
    frozenset({"DiT", "Diffusion Transformer (DiT)", "Diffusion Transformers (DiTs)", "diffusion transformer"}),
    frozenset({"EMHA", "Evolutionary Markov Hypergraph Attack"}),
    frozenset({"GRPO", "Group Relative Policy Optimization"}),
    frozenset({"LLM agent", "LLM agents"}),
    frozenset({"LoRA", "LoRAs"}),
    frozenset({"NFE", "neural function evaluations (NFEs)"}),
    frozenset({"SFT", "supervised fine-tuning"}),
    frozenset({"TDM", "Trajectory Distribution Matching (TDM)"}),
    frozenset({"TPDSL", "token pruning domain-specific language"}),
    frozenset({"Variational Auto-Encoders (VAEs)", "variational autoencoder"}),
    frozenset({"ViT", "vision Transformers (ViTs)"}),
    frozenset({"vision-language model (VLM)", "Vision-Language Models", "vision-language model"}),
    frozenset({"agent harness", "agent harnesses"}),
    frozenset({"denoising step", "denoising steps"}),
    frozenset({"diffusion model", "diffusion models"}),
    frozenset({"human preference", "human preferences"}),
    frozenset(
        {
            "LLM",
            "LLMs",
            "large language model",
            "large language models",
            "large language models (LLM)",
            "large language models (LLMs)",
        }
    ),
    frozenset(
        {
            "MLLMs",
            "Multimodal Large Language Models (MLLMs)",
            "multimodal large language model (MLLM)",
            "multimodal large language models",
        }
    ),
    frozenset({"video diffusion model", "video diffusion models"}),
}


def merges(field: str = "name", aliases=None) -> set[frozenset[str]]:
    """The topics with more than one spelling, each as the set of its spellings' names (or slugs)."""
    by_topic: dict[int, set[str]] = {}
    for topic_id, name in (aliases or TopicAlias.objects.all()).values_list("topic_id", field):
        by_topic.setdefault(topic_id, set()).add(name)
    return {frozenset(names) for names in by_topic.values() if len(names) > 1}


# The rules


@pytest.mark.parametrize(
    ("plural", "singular_form"),
    [
        ("harnesses", "harness"),
        ("models", "model"),
        ("policies", "policy"),
        ("patches", "patch"),
        ("LLMs", "LLM"),
        ("NeRFs", "NeRF"),
        ("analysis", "analysis"),
        ("corpus", "corpus"),
        ("biases", "bias"),
        ("caches", "cache"),
        ("series", "series"),
        ("3DGS", "3DGS"),
        ("DeepSeek", "DeepSeek"),
        ("gas", "gas"),
    ],
)
def test_singular_forms(plural, singular_form):
    assert singular(plural) == singular_form


def test_spellings_differing_by_case_plural_hyphen_and_punctuation_share_a_key():
    key = topic_key("Vision-Language Models")
    assert key == topic_key("vision language model") == topic_key("vision-language model (VLM)")
    assert topic_key("agent harnesses") == topic_key("Agent Harness")
    assert topic_key("fine-tuning") == topic_key("finetuning")
    assert topic_key("C++") != topic_key("C")
    assert topic_key("large language models") != topic_key("Large Vision-Language Models")


def test_acronyms_match_the_initials_of_their_expansion():
    assert abbreviates("GRPO", "Group Relative Policy Optimization")
    assert abbreviates("3DGS", "3D Gaussian Splatting")
    assert abbreviates("NeRF", "Neural Radiance Fields")
    assert abbreviates("MoE", "Mixture of Experts")
    assert abbreviates("T2I", "text-to-image")
    assert abbreviates("MLLMs", "multi-modal large language models")
    assert not abbreviates("GRPO", "Generalized Policy Optimization")
    assert not abbreviates("reasoning", "reinforcement learning")  # not an acronym
    assert not is_acronym("Transformer")


def test_definitions_are_the_shortest_phrase_before_the_parenthesis():
    text = "We train with Group Relative Policy Optimization (GRPO; Shao et al.). The vision Transformers (ViTs) see."
    assert definitions(text) == {("grpo", "grouprelativepolicyoptimization"), ("vit", "visiontransformer")}
    assert definitions("This is our method (ours). Results (Table 2).") == set()


def test_acronyms_that_only_look_like_an_expansion_stay_apart_without_evidence():
    """Regression: initials alone would join TDM with "text-to-image diffusion models", DiT with "digital twins"."""
    papers = [
        (1, "t", "Trajectory Distribution Matching (TDM) distils.", ["TDM", "few-step"]),
        (2, "t", "We study text-to-image diffusion models.", ["text-to-image diffusion models"]),
        (3, "t", "Digital twins.", ["digital twins"]),
        (4, "t", "A DiT.", ["DiT"]),
    ]
    groups = {frozenset(s.name for s in group) for group in plan_concepts(papers, topic_slug)}
    assert frozenset({"TDM", "text-to-image diffusion models"}) not in groups
    assert frozenset({"DiT", "digital twins"}) not in groups


def test_acronym_and_expansion_on_the_same_papers_are_one_topic():
    papers = [(n, "t", "a", ["GNN", "graph neural networks", f"other {n}"]) for n in range(3)]
    papers.append((9, "t", "a", ["GNN"]))
    groups = {frozenset(s.name for s in group) for group in plan_concepts(papers, topic_slug)}
    assert frozenset({"GNN", "graph neural networks"}) in groups
    lone = [(1, "t", "a", ["GNN", "graph neural networks"]), (2, "t", "a", ["GNN"]), (3, "t", "a", ["GNN"])]
    assert frozenset({"GNN", "graph neural networks"}) not in {
        frozenset(s.name for s in group) for group in plan_concepts(lone, topic_slug)
    }  # one shared paper is not enough


# The recorded days


@pytest.mark.django_db
@pytest.mark.parametrize(("first", "second"), KNOWN_PAIRS)
def test_known_variants_on_the_recorded_days_are_one_topic(archive, first, second):
    one, other = (TopicAlias.objects.get(slug=topic_slug(name)) for name in (first, second))
    assert one.topic_id == other.topic_id


@pytest.mark.django_db
def test_every_merge_on_the_recorded_days_is_one_checked_by_hand(archive):
    assert merges() == REVIEWED_MERGES


@pytest.mark.django_db
def test_the_import_groups_spellings_as_the_whole_catalogue_plan_does(archive):
    """Spellings only in a listing superseded by a newer one of the same paper are left out: the plan reads
    the papers' current keywords, the import every listing's."""
    papers = Paper.objects.values_list("pk", "title", "abstract", "keywords")
    planned = {frozenset(s.slug for s in group) for group in plan_concepts(papers, topic_slug) if len(group) > 1}
    assert merges("slug", TopicAlias.objects.filter(paper_count__gt=0)) == planned


@pytest.mark.django_db
def test_concepts_count_their_papers_once_and_are_named_by_their_most_used_spelling(archive):
    grpo = TopicAlias.objects.get(slug="grpo").topic
    papers = Paper.objects.filter(paper_topics__topic=grpo)
    assert grpo.paper_count == papers.count() == PaperTopic.objects.filter(topic=grpo).count()
    assert set(TopicAlias.objects.filter(topic=grpo).values_list("name", "paper_count")) == {
        ("GRPO", 3),
        ("Group Relative Policy Optimization", 3),
    }
    vlm = TopicAlias.objects.get(slug="vision-language-models").topic
    assert (vlm.name, vlm.slug) == ("Vision-Language Models", "vision-language-models")
    assert not PaperTopic.objects.values("paper", "topic").annotate(n=Count("pk")).filter(n__gt=1).order_by()
