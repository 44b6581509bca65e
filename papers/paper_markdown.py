"""A paper as one Markdown document: `/papers/<arxiv_id>.md`, Hugging Face's address for it (`HfApi.read_paper`).

For readers that want text, not a page (command lines, language models): the title, the visible authors (hidden
ones are never stored), the links, the abstract, the AI summary, the topics and this site's discussion, threaded.
Hugging Face's own copy is the paper's full text converted from arXiv's HTML; this site does not mirror full
texts, so its copy is what the paper page shows.

Removed comments (deleted by their author or hidden by a moderator) are left out, text and author both; one
that still has replies stays as a `[removed]` line, so that the replies keep their place in the thread.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from django.conf import settings

from .discussion import Node
from .models import Paper, Topic

# Replies this deep continue on their comment's page: Markdown has no width to run out of, but a line
# indented by hundreds of spaces helps no reader.
MAX_DEPTH = 24
_INLINE_SPECIAL_RE = re.compile(r"([\\`*_\[\]<>#|])")


def inline(text: str) -> str:
    """Plain text (a name, a title) that Markdown shows as written: its markup characters escaped."""
    return _INLINE_SPECIAL_RE.sub(r"\\\1", " ".join(text.split()))


def paper_markdown(
    paper: Paper,
    author_names: Sequence[str],
    topics: Iterable[Topic],
    thread: Sequence[Node],
    absolute: Callable[[str], str],
) -> str:
    """The document; `absolute` makes this site's paths into URLs."""
    parts = [f"# {inline(paper.title)}"]
    if author_names:
        parts.append("**Authors:** " + ", ".join(inline(name) for name in author_names))
    dates = []
    if paper.published_at:
        dates.append(f"published on arXiv on {paper.published_at:%Y-%m-%d}")
    if paper.first_listed_on:
        dates.append(f"listed on Daily Papers on {paper.first_listed_on:%Y-%m-%d}")
    if dates:
        sentence = "; ".join(dates)
        parts.append(sentence[0].upper() + sentence[1:] + ".")
    links = [
        ("arXiv", paper.arxiv_url),
        ("PDF", paper.pdf_url),
        ("Hugging Face", paper.hf_url),
        ("Code", paper.github_repo),
        ("Project page", paper.project_page),
        (settings.SITE_NAME, absolute(paper.get_absolute_url())),
    ]
    parts.append("## Links\n\n" + "\n".join(f"- {name}: <{url}>" for name, url in links if url))
    if paper.abstract:
        parts.append(f"## Abstract\n\n{paper.abstract}")
    if paper.ai_summary:
        by = f"\n\n_Written by {inline(paper.ai_summary_model)} for Hugging Face._" if paper.ai_summary_model else ""
        parts.append(f"## AI summary\n\n{paper.ai_summary}{by}")
    topic_links = [f"[{inline(topic.name)}]({absolute(topic.get_absolute_url())})" for topic in topics]
    if topic_links:
        parts.append("## Topics\n\n" + ", ".join(topic_links))
    comments = "\n\n".join(_node(node, "", absolute) for node in thread if _shown(node))
    count = paper.comment_count
    heading = f"## Discussion on {settings.SITE_NAME} ({count} comment{'' if count == 1 else 's'})"
    parts.append(f"{heading}\n\n{comments or 'No comments yet.'}")
    return "\n\n".join(parts) + "\n"


def _shown(node: Node) -> bool:
    """A comment is shown if it is not removed, or if some reply below it is (or may be: `continues`)."""
    return not node.comment.is_removed or node.continues or any(_shown(child) for child in node.children)


def _node(node: Node, indent: str, absolute: Callable[[str], str]) -> str:
    """One comment as a list item, its replies as a list inside it."""
    comment = node.comment
    inner = indent + "  "
    if comment.is_removed:
        lines = [f"{indent}- _[removed]_"]
    else:
        author = comment.author
        name = author.shown_name if author is not None and not author.is_deleted else "[deleted]"
        edited = " (edited)" if comment.edited_at else ""
        url = absolute(comment.get_absolute_url())
        lines = [f"{indent}- **{inline(name)}**, {comment.created_at:%Y-%m-%d %H:%M} UTC{edited} <{url}>", ""]
        lines += [f"{inner}{line}" if line.strip() else "" for line in comment.body.splitlines()]
    replies = [_node(child, inner, absolute) for child in node.children if _shown(child)]
    if replies:
        lines += ["", "\n\n".join(replies)]
    if node.continues:
        lines += ["", f"{inner}[More replies]({absolute(comment.get_absolute_url())})"]
    return "\n".join(lines)
