"""Passwords: the users' (the login page) and the instructor's (the dashboard).

A password is kept only as its hash (`passwords`); checking one costs the same
time whether the user exists or not, so timing does not tell who has an account.
"""

from __future__ import annotations

import hmac

from .passwords import HashScheme, hash_password, verify_password
from .records import User

_DUMMY: dict[str, str] = {}


def check_username(username: str) -> None:
    if not username or ":" in username:
        raise ValueError("A username must be non-empty and hold no ':'.")


def new_user(username: str, password: str, scheme: HashScheme) -> User:
    """A user record holding the password's hash, never the password."""
    check_username(username)
    return User(username, hash_password(password, scheme))


def check_password(user: User | None, password: str, scheme: HashScheme) -> bool:
    """True for the right password. Unknown users (None) cost the same time."""
    stored = user.password_hash if user else _dummy_hash(scheme)
    return verify_password(password, stored) and user is not None


def _dummy_hash(scheme: HashScheme) -> str:
    # a hash to check unknown users against, so timing does not tell who exists
    if scheme not in _DUMMY:
        _DUMMY[scheme] = hash_password("not a password", scheme)
    return _DUMMY[scheme]


class Instructor:
    """The one account that opens the dashboard (`--instructor NAME:PASSWORD`)."""

    def __init__(self, username: str, password: str, scheme: HashScheme) -> None:
        self._user = User(username, hash_password(password, scheme))

    def check(self, username: str, password: str) -> bool:
        right = verify_password(password, self._user.password_hash)
        return right & hmac.compare_digest(username.encode(), self._user.username.encode())
