"""Steps several attacks share: a victim signing in, a callback taken apart or forged."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from ..client import (
    Application,
    AuthorizationRequest,
    Browser,
    ClientError,
    ConsentChoice,
    Flow,
    Form,
    OAuthResponseError,
    Page,
    PkcePair,
    TokenResponse,
    call_api,
    introspect,
    new_client,
)
from .result import Unsupported
from .scenario import Account, Target


def sign_in(
    browser: Browser, url: str, account: Account, consent: ConsentChoice = "approve"
) -> Page:
    """Open an authorization URL, sign in, answer the consent page if one comes."""
    page = browser.open(url)
    if page.login_form is None:
        return page  # an error page, or a redirect straight back
    page = signed_in(browser.login(account.username, account.password), account)
    if page.kind == "consent":
        page = browser.consent(consent)
    return page


def answered(browser: Browser, url: str, account: Account) -> Page:
    """The server's answer to an authorization request, signing in first if it asks.

    Unlike `sign_in`, an error page after the login is the answer, not a failed
    login: some servers (django-oauth-toolkit) check the request only then.
    """
    page = browser.open(url)
    if page.login_form is None:
        return page
    page = browser.login(account.username, account.password)
    if page.login_form is not None:
        raise Unsupported(f"Signing in as {account.username!r} failed: {page.message}")
    if page.kind == "consent":
        page = browser.consent("approve")
    return page


def signed_in(page: Page, account: Account) -> Page:
    """The page after the login form, or Unsupported if the login itself failed."""
    if page.login_form is not None or page.kind == "error page":
        raise Unsupported(f"Signing in as {account.username!r} failed: {page.message}")
    return page


def params_of(url: str | None) -> dict[str, str]:
    """The query parameters of a URL, first value of each."""
    if not url:
        return {}
    params: dict[str, str] = {}
    for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        params.setdefault(name, value)
    return params


def code_from(page: Page, request_url: str | None = None) -> str:
    """The code in the redirect the browser is at, or Unsupported saying what came instead.

    `request_url` is the authorization request that started the sign-in: an error
    is then told with what that request asked for.
    """
    params = params_of(page.location) if page.kind == "redirect" else {}
    code = params.get("code")
    if code:
        return code
    if params.get("error"):
        raise Unsupported(f"The sign-in did not end with a code: {refusal(page, request_url)}")
    raise Unsupported(f"The sign-in did not end with a code: {page.describe()}")


def refusal(page: Page, request_url: str | None = None) -> str:
    """An error the server sent back in a redirect, told with what the request held.

    The lab approves every consent page it is shown and never clicks Deny, so an
    access_denied is the server's own policy, not a user's choice; a request that
    asked for no scope often left it nothing to grant.
    """
    params = params_of(page.location)
    described = f" ({params['error_description']})" if params.get("error_description") else ""
    told = f"the server sent error={params.get('error')}{described} back to the redirect URI"
    if params.get("error") != "access_denied":
        return told + "."
    told += ", though nobody clicked Deny (the lab approves every consent page)"
    if request_url is None:
        return told + "."
    asked = params_of(request_url).get("scope")
    if not asked:
        return (
            f"{told}; the request asked for no scope, so the server had nothing to grant: "
            "name one with scope=..."
        )
    return f"{told}; the request asked for scope {asked!r}."


def forged_callback(redirect_uri: str, code: str, state: str | None, iss: str | None) -> str:
    """A callback as the attacker plants it: their code, the state they need, maybe iss."""
    params = {"code": code, "state": state, "iss": iss}
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{redirect_uri}?{query}"


def redeem_planted(session: Flow, callback: str) -> TokenResponse | OAuthResponseError:
    """The client takes a callback the attacker planted, and redeems its code.

    Returns the tokens, or the token endpoint's refusal.
    """
    session.receive_redirect(callback)
    try:
        return session.exchange_code()
    except OAuthResponseError as exc:
        return exc


def inject(
    t: Target, application: Application, code: str, iss: str | None, *, pkce: bool
) -> tuple[str, TokenResponse | OAuthResponseError]:
    """A stolen code, delivered to the attacker's own new session at the client.

    Returns the callback she planted, and what the token endpoint answered the
    client (which sends her session's code_verifier, with `pkce`).
    """
    with t.flow(application) as attacker_session:
        request = attacker_session.authorize(pkce=pkce)
        callback = forged_callback(request.redirect_uri or t.redirect_uri, code, request.state, iss)
        return callback, redeem_planted(attacker_session, callback)


def authorization_url(
    target: Target,
    application: Application,
    redirect_uri: str | None = None,
    scope: str | None = None,
    *,
    pkce: bool = True,
) -> str:
    """An authorization request as an attacker writes it: a state and PKCE pair of their own.

    It asks for `scope`, else the target's probe scope; `pkce=False` leaves the
    code_challenge out, for the one attack that probes exactly that (the downgrade).
    """
    return AuthorizationRequest.build(
        target.endpoints().authorization_endpoint,
        application.client_id,
        redirect_uri or application.redirect_uri or target.redirect_uri,
        scope=scope or target.probe_scope(),
        pkce=PkcePair.generate(target.token_factory) if pkce else None,
        token_factory=target.token_factory,
    ).url


def fields_of(form: Form) -> tuple[str, str]:
    """The names of the username and password fields of a login form."""
    password = next((f.name for f in form.fields if f.type == "password"), None)
    username = next(
        (f.name for f in form.fields if f.name == "username"),
        next((f.name for f in form.fields if f.type in ("text", "email")), None),
    )
    if password is None or username is None:
        raise Unsupported("The login form has no username or password field.")
    return username, password


def whose(target: Target, application: Application, token: TokenResponse) -> str:
    """Whose account a token opens: the API's answer, or introspection's (RFC 7662)."""
    if target.api_url is not None:
        with new_client(target.verify) as http:
            try:
                body = call_api(target.api_url, token.access_token, http=http).json()
            except (ClientError, ValueError) as exc:
                return f"unknown (the API refused the token: {exc})"
        return str(body.get("user", "unknown")) if isinstance(body, dict) else "unknown"
    endpoints = target.endpoints()
    if endpoints.introspection_endpoint is None:
        return "unknown (no API URL and no introspection endpoint to ask)"
    with new_client(target.verify) as http:
        try:
            answer = introspect(endpoints, application, token.access_token, http=http)
        except ClientError as exc:
            return f"unknown ({exc})"
    return answer.username or "unknown"


def token_state(target: Target, application: Application, access_token: str) -> str:
    """'active' or 'inactive', by introspection (RFC 7662) or else by calling the API."""
    endpoints = target.endpoints()
    with new_client(target.verify) as http:
        if endpoints.introspection_endpoint is not None:
            try:
                answer = introspect(endpoints, application, access_token, http=http)
            except ClientError as exc:
                return f"unknown ({exc})"
            return "active" if answer.active else "inactive"
        if target.api_url is not None:
            response = http.get(target.api_url, headers={"Authorization": f"Bearer {access_token}"})
            return "active" if response.is_success else f"inactive ({response.status_code})"
    return "unknown"


def consent_offers(page: Page, choice: str) -> bool:
    """Whether the consent page offers `choice`: a WSO2 value or a label (approveAlways)."""
    key = choice.lower().replace(" ", "")
    return any(
        key in (c.value.lower(), c.label.lower().replace(" ", "")) for c in page.consent_choices
    )
