"""The steps of the flow, in the order the wizard shows them: the one list of them.

Each step panel names its step (``RedirectPanel.step``); the wizard stacks them
in this order. A panel's heading and every message that sends the learner to
another step take their number from here, so moving a step renumbers them all.

>>> Step.REDIRECT.number, f"check the redirect in {Step.REDIRECT}"
(5, 'check the redirect in step 5')
>>> Step.REDIRECT.heading
'5. The redirect back to the client'

A step in ``OPENID_STEPS`` belongs to OpenID Connect: the wizard shows it only once
the scope asks for ``openid``. It comes last, so that the steps before it keep
their numbers whether it is shown or not.
"""

from __future__ import annotations

from enum import Enum


class Step(Enum):
    """One step: the wizard's short title for it, and its panel's heading."""

    SERVER = ("Server", "The authorization server")
    PORTAL = ("Developer Portal", "Developer Portal: create an application")
    AUTHORIZE = ("Authorize URL", "The authorization request")
    LOGIN = ("Login and consent", "Sign in and give consent")
    REDIRECT = ("Redirect", "The redirect back to the client")
    TOKEN = ("Token request", "The token request")
    API = ("Using the token", "Using the token")
    ID_TOKEN = ("ID token", "The ID token: who signed in")

    def __init__(self, title: str, what: str) -> None:
        self.title = title
        self.what = what

    @property
    def number(self) -> int:
        """Counted from 1, as the wizard shows it."""
        return list(Step).index(self) + 1

    @property
    def heading(self) -> str:
        return f"{self.number}. {self.what}"

    def __str__(self) -> str:
        return f"step {self.number}"


# the steps of OpenID Connect (Core 3.1), shown when the scope holds openid
OPENID_STEPS = frozenset({Step.ID_TOKEN})
