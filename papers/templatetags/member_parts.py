"""The member's own parts of a page that members share (papers.shared_pages).

`{% member_part "upvote" paper %}…{% endmember_part %}` (or "save" with a paper, "follow" with a topic, author,
organisation or member) wraps a button whose look depends on the viewer. Rendered for one viewer, it renders its
content once, in the viewer's state (`paper.is_upvoted`, `paper.is_saved`, or `follow`, a papers.follows.Followable
read from the viewer's stances). In a shared render it renders its content in every state and leaves a marker that
each request fills with the viewer's state.

`{% member_live "includes/user_nav.html" nav=nav %}` includes a template that depends on the viewer in ways a
few states cannot say (the header, a discussion): for one viewer it is an include with `nav` set; in a shared
render it is rendered anew for each request.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.template.base import FilterExpression, Node, NodeList, Parser, Token
from django.utils.safestring import mark_safe

from papers import follows
from papers.models import Follow
from papers.shared_pages import AUTHOR, COLLECTOR

register = template.Library()

# Each kind's states. A comment's controls: its author's own (edit, delete), or another member's vote and flag
# (upvoted?, flagged?).
STATES = {
    "upvote": (False, True),
    "save": (False, True),
    "follow": (None, Follow.Mode.FOLLOW, Follow.Mode.MUTE),
    "comment": (AUTHOR, (False, False), (True, False), (False, True), (True, True)),
}


@dataclass(frozen=True)
class Viewer:
    """Who a comment's controls are rendered for in a shared render: its author or any other member, never a
    moderator (moderators get pages rendered for them)."""

    pk: int | None
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_moderator: bool = False
    can_write: bool = True


class MemberPartNode(Node):
    def __init__(self, kind: str, target: FilterExpression, nodelist: NodeList):
        self.kind, self.target, self.nodelist = kind, target, nodelist

    def render(self, context) -> str:
        target = self.target.resolve(context)
        collector = context.get(COLLECTOR)
        if collector is None:
            if self.kind != "follow":
                return self.nodelist.render(context)
            request = context.get("request")
            mode = None
            if request is not None and request.user.is_authenticated:
                mode = follows.request_stances(request).get((follows.kind_of(target), target.pk))
            with context.push(follow=follows.Followable(target, mode)):
                return self.nodelist.render(context)
        variants = {state: self.render_in(context, target, state) for state in STATES[self.kind]}
        if self.kind == "follow":
            key = (follows.kind_of(target), target.pk)
        elif self.kind == "comment":
            key = (target.comment.pk, target.comment.author_id)
        else:
            key = target.pk
        return collector.button(self.kind, key, variants)

    def render_in(self, context, target, state) -> str:
        if self.kind == "comment":  # `target` is a papers.discussion.Node
            viewer = Viewer(target.comment.author_id if state == AUTHOR else 0)
            target.is_upvoted, target.is_flagged = (False, False) if state == AUTHOR else state
            with context.push(user=viewer):
                return self.nodelist.render(context)
        if self.kind == "follow":
            with context.push(follow=follows.Followable(target, state)):
                return self.nodelist.render(context)
        setattr(target, "is_upvoted" if self.kind == "upvote" else "is_saved", state)
        return self.nodelist.render(context)


@register.tag
def member_part(parser: Parser, token: Token) -> MemberPartNode:
    bits = token.split_contents()
    if len(bits) != 3 or bits[1].strip("\"'") not in STATES:
        raise template.TemplateSyntaxError(
            f'Use {{% member_part "upvote"|"save"|"follow" object %}}, not {token.contents}'
        )
    nodelist = parser.parse(("endmember_part",))
    parser.delete_first_token()
    return MemberPartNode(bits[1].strip("\"'"), parser.compile_filter(bits[2]), nodelist)


@register.simple_tag(takes_context=True)
def member_live(context, template_name: str, **values) -> str:
    collector = context.get(COLLECTOR)
    if collector is not None:
        return mark_safe(collector.live(template_name, values))  # noqa: S308 - a marker, no markup
    with context.push(**values):
        return mark_safe(context.template.engine.get_template(template_name).render(context))  # noqa: S308
