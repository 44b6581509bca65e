from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from .models import MAX_LINKS, ApiToken, User

_http_url = URLValidator(schemes=["http", "https"])


class ProfileForm(forms.ModelForm):
    """What a member shows about themself, and what they want from us."""

    links = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"Up to {MAX_LINKS} web addresses, one per line (homepage, Google Scholar, GitHub…).",
    )

    class Meta:
        model = User
        fields = [
            "display_name",
            "bio",
            "links",
            "upvotes_public",
            "recency",
            "digest",
            "email_on_reply",
            "email_on_mention",
        ]
        labels = {
            "display_name": "Display name",
            "bio": "About you",
            "upvotes_public": "Show the papers I upvote on my profile",
            "recency": "How much should newness count in your feed?",
            "digest": "Email me the best papers of my feed",
            "email_on_reply": "Email me when someone replies to my comments",
            "email_on_mention": "Email me when someone mentions me",
        }
        help_texts = {
            "display_name": "Shown instead of your username. Leave empty to use your username.",
            "bio": "Markdown. Shown on your profile.",
        }
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 5}),
            "recency": forms.RadioSelect,
            "digest": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial["links"] = "\n".join(self.instance.links or [])
        # A form without these (an older page, a script) keeps the member's choice rather than failing.
        self.fields["recency"].required = self.fields["digest"].required = False

    def clean_recency(self) -> int:
        return self.cleaned_data["recency"] or self.instance.recency

    def clean_digest(self) -> str:
        return self.cleaned_data["digest"] or self.instance.digest

    def clean_display_name(self) -> str:
        return " ".join(self.cleaned_data["display_name"].split())

    def clean_links(self) -> list[str]:
        links = [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]
        if len(links) > MAX_LINKS:
            raise ValidationError(f"At most {MAX_LINKS} links, please.")
        for link in links:
            try:
                _http_url(link)
            except ValidationError:
                raise ValidationError(
                    f"“{link[:80]}” is not a web address starting with http:// or https://."
                ) from None
        return links


class DeleteAccountForm(forms.Form):
    """Confirm by typing one's username (members who signed in with GitHub may have no password)."""

    confirm = forms.CharField(label="Type your username to confirm", max_length=150)

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_confirm(self) -> str:
        if self.cleaned_data["confirm"].strip() != self.user.username:
            raise ValidationError("That is not your username.")
        return self.cleaned_data["confirm"]


class ApiTokenForm(forms.Form):
    """A new personal access token: a name to tell it apart, and what it may do."""

    name = forms.CharField(
        label="Name",
        max_length=100,
        error_messages={"required": "Give the token a name."},
        help_text="What the token is for, so that you can tell your tokens apart: “laptop script”, “list sync”.",
    )
    scope = forms.ChoiceField(
        label="What it may do",
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_token_%s")  # the settings page has the profile form's fields too
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise ValidationError("Give the token a name.")
        return name

    def clean(self) -> dict:
        if self.user.api_tokens.live().count() >= ApiToken.MAX_LIVE:
            raise ValidationError(ApiToken.limit_message())
        return self.cleaned_data

    def save(self) -> tuple[ApiToken, str] | None:
        """The new token and its secret; None (with the reason among the form's errors) at the limit."""
        try:
            return ApiToken.issue(self.user, self.cleaned_data["name"], self.cleaned_data["scope"])
        except ApiToken.LimitReached as limit:  # another request made the last one meanwhile
            self.add_error(None, str(limit))
            return None
