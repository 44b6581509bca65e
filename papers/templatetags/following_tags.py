"""The viewer's follows and mutes, for the buttons on pages whose views know nothing of them.

The member's stances are read once per request, whatever the number of buttons on the page;
anonymous visitors cost no query.
"""

from django import template

from papers import follows

register = template.Library()


@register.simple_tag(takes_context=True)
def followable(context, target) -> follows.Followable:
    """`{% followable topic as follow %}`: the target with the viewer's stance, for follow_buttons.html."""
    request = context.get("request")
    mode = None
    if request is not None and request.user.is_authenticated:
        mode = follows.request_stances(request).get((follows.kind_of(target), target.pk))
    return follows.Followable(target, mode)
