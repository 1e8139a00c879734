"""Pushed Authorization Requests (RFC 9126): the request goes by the back channel first.

    Client                                      Authorization server
      | POST /par  (client authentication)          |  the parameters checked as at
      |   response_type, client_id, redirect_uri,   |  /authorize (2.1); errors in JSON
      |   scope, state, code_challenge...           |  as at the token endpoint (2.3)
      |<-- 201 {"request_uri": "urn:ietf:params:oauth:request_uri:...", "expires_in": 60}
      |                                             |
    Browser                                         |
      | GET /authorize?client_id=...&request_uri=...|  the pushed request, once, for its
      |-------------------------------------------->|  own client, before it expires (4)
      |<------ 200 login page ----------------------|

The browser carries only the request_uri, so nobody on the front channel (a
browser extension, a user copying the URL) can change the scope or redirect_uri:
what the client pushed, authenticated, is what is asked. Parameters sent beside
request_uri are ignored (RFC 9126 4, RFC 9101 5). A server option
(`ServerConfig.require_pushed_authorization_requests`) or a client's registration
field of that name makes PAR the only way in (RFC 9126 5, 6).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from starlette.requests import Request
from starlette.responses import Response

from .client_auth import authenticated_form
from .endpoint import Endpoint
from .errors import FatalAuthorizationError, InvalidRequest, OAuthError, RateLimited
from .httpio import client_address, json_error, json_response, rate_limited
from .params import Params
from .services import Services

REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"  # RFC 9126 2.2
# RFC 9126 2.2: "a relatively short lifetime": long enough for a redirect, not a login
LIFETIME = 60
MAX_PER_CLIENT = 100  # pushed and not yet used: one client fills its own share only
# one address may register 100 clients (max_clients_per_address): it gets a tenth of
# the whole, so filling MAX_PUSHED takes ten addresses
MAX_PER_ADDRESS = 1_000
MAX_PUSHED = 10_000


@dataclass(frozen=True)
class Pushed:
    client_id: str
    address: str  # where it was pushed from, for MAX_PER_ADDRESS
    pairs: tuple[tuple[str, str], ...]  # the pushed parameters, as sent
    expires_at: float


class PushedRequests:
    """The pushed requests not used yet, bounded per client and in all."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._pushed: dict[str, Pushed] = {}
        self._per_client: dict[str, int] = {}
        self._per_address: dict[str, int] = {}
        self._lock = threading.Lock()

    def add(
        self, request_uri: str, client_id: str, address: str, pairs: list[tuple[str, str]]
    ) -> None:
        with self._lock:
            now = self.clock()
            self._forget(now)
            if self._per_client.get(client_id, 0) >= MAX_PER_CLIENT:
                raise RateLimited(
                    f"This client has {MAX_PER_CLIENT} pushed requests not used yet; use one, "
                    f"or wait {LIFETIME} s for them to expire (RFC 9126 2.3).",
                    LIFETIME,
                )
            if self._per_address.get(address, 0) >= MAX_PER_ADDRESS:
                raise RateLimited(
                    f"Your address has {MAX_PER_ADDRESS} pushed requests not used yet; wait "
                    f"{LIFETIME} s for them to expire (RFC 9126 2.3).",
                    LIFETIME,
                )
            if len(self._pushed) >= MAX_PUSHED:
                raise RateLimited("Too many pushed requests now; try again soon.", LIFETIME)
            self._pushed[request_uri] = Pushed(client_id, address, tuple(pairs), now + LIFETIME)
            self._per_client[client_id] = self._per_client.get(client_id, 0) + 1
            self._per_address[address] = self._per_address.get(address, 0) + 1

    def take(self, request_uri: str, client_id: str) -> Pushed | None:
        """The request, removed: it works once (RFC 9126 4). None if unknown, used or expired.

        Another client's id leaves it in place: a request_uri seen in a browser's URL
        must not let anyone burn it.
        """
        with self._lock:
            self._forget(self.clock())
            pushed = self._pushed.get(request_uri)
            if pushed is None or pushed.client_id != client_id:
                return None
            self._drop(request_uri)
            return pushed

    def _drop(self, request_uri: str) -> None:
        pushed = self._pushed.pop(request_uri)
        for counts, key in (
            (self._per_client, pushed.client_id),
            (self._per_address, pushed.address),
        ):
            counts[key] -= 1
            if not counts[key]:
                del counts[key]

    def _forget(self, now: float) -> None:
        # insertion order is expiry order: every request lives LIFETIME
        for request_uri, pushed in list(self._pushed.items()):
            if pushed.expires_at > now:
                break
            self._drop(request_uri)

    def __len__(self) -> int:
        return len(self._pushed)


_PUSHED: WeakKeyDictionary[Services, PushedRequests] = WeakKeyDictionary()


def pushed_requests(services: Services) -> PushedRequests:
    """The pushed requests of one server (its Services), shared by /par and /authorize."""
    found = _PUSHED.get(services)
    if found is None:
        found = _PUSHED[services] = PushedRequests(services.config.clock)
    return found


def requires_par(config_requires: bool, client_requires: bool) -> bool:
    """RFC 9126 5 (the server's require_pushed_authorization_requests), 6 (the client's)."""
    return config_requires or client_requires


class PushedAuthorizationEndpoint(Endpoint):
    methods = ("POST",)

    async def post(self, request: Request) -> Response:
        from .authorize import AuthorizationEndpoint  # its checks of a request, imported late

        limited = rate_limited(self.services, "token", request)
        if limited is not None:
            return json_error(limited)
        try:
            # RFC 9126 2: the client authenticates as at the token endpoint
            params, client = await authenticated_form(request, self.store, self.services)
            # RFC 9126 2.1: "The request_uri authorization request parameter is one
            # exception, and it MUST NOT be provided"
            if "request_uri" in params:
                raise InvalidRequest("A pushed request must not hold request_uri (RFC 9126 2.1).")
            profile = self.config.profile_rules()
            # FAPI 2.0 5.3.2.2: "shall require the redirect_uri parameter in pushed
            # authorization requests" (RFC 9126 leaves it optional, as RFC 6749 does)
            if profile is not None and profile.par and params.get("redirect_uri") is None:
                raise InvalidRequest(
                    f"This server runs the profile {profile.name} ({profile.title}), which "
                    "requires redirect_uri in every pushed request: send the one registered."
                )
            if params.get("client_id") is None:
                params = Params([*params.as_dict().items(), ("client_id", client.client_id)])
            # RFC 9126 2.1: the client_id is the authenticated client's
            if params.get("client_id") != client.client_id:
                raise InvalidRequest("client_id differs from the client that authenticated.")
            checks = AuthorizationEndpoint(self.config, self.store, self.services)
            # RFC 9126 2.1: validated as an authorization request (RFC 6749 4.1.1)
            try:
                checks._trusted_client(params)
            except FatalAuthorizationError as exc:
                raise InvalidRequest(exc.description) from None
            checks._validate(params, client)
            # RFC 9126 2.2: a reference the client cannot guess or choose
            request_uri = REQUEST_URI_PREFIX + self.config.randomness.token(32)
            pairs = [(k, v) for k, v in params.as_dict().items() if k not in CREDENTIALS]
            address = client_address(request)
            pushed_requests(self.services).add(request_uri, client.client_id, address, pairs)
        except OAuthError as exc:
            return json_error(exc)
        # RFC 9126 2.2: 201 Created with request_uri and expires_in
        return json_response({"request_uri": request_uri, "expires_in": LIFETIME}, 201)


# client authentication, not part of the authorization request: never kept
CREDENTIALS = frozenset({"client_secret", "client_assertion", "client_assertion_type"})
