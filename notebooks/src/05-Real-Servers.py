# %% [markdown]
# # Real servers: WSO2 API Manager, WSO2 Identity Server, Keycloak, any RFC 8414 issuer
#
# **What you will learn**
# - which endpoints the same flow uses on real products, and what differs from this kit's server;
# - how to find a server's endpoints by discovery (RFC 8414), or give them by hand;
# - how to trust a lab server's self-signed certificate.
#
# Everything in `codegrant_kit.client`, and every panel, takes an `Endpoints` object.
# Our own server is just one issuer among others.

# %%
from codegrant_kit.client import Endpoints, Flow, all_presets, discover, wso2_api_manager

for preset in all_presets():
    print(preset.name)
    for name, url in preset.endpoints.urls().items():
        print(f"  {name:24} {url}")
    print(f"  note: {preset.note}")
    # what a learner sees differently on it: the consent answers, PKCE, refresh tokens
    for topic, what in preset.differences():
        print(f"  {topic:24} {what}")
    print()

# %% [markdown]
# ## WSO2 API Manager, as in the guide
#
# The guide's playground app authorizes at the key manager,
# `https://localhost:9443/oauth2/authorize`, and gets its tokens from
# `https://localhost:9443/oauth2/token` or through the API gateway,
# `https://localhost:8243/token`. The application, its **consumer key** and **consumer
# secret** come from the Developer Portal (create an application, *Production Keys*,
# give the callback URL, tick *Code*, *Generate Keys*), and the scope is `PRODUCTION`.
#
# When the key manager is a separate server (a distributed API Manager, or WSO2
# Identity Server as the key manager), the login pages live there, so the guide asks
# for their full URLs in `<APIM_HOME>/repository/conf/deployment.toml`:
#
# ```toml
# [authentication.endpoints]
# login_url = "https://is.example.com:9443/authenticationendpoint/login.do"
# retry_url = "https://is.example.com:9443/authenticationendpoint/retry.do"
# ```
#
# `retry.do` is the page you meet after a wrong password: this kit's server shows its
# login page again with the same message ("Login failed! Please recheck the username
# and password and try again.").
#
# A WSO2 server in a lab uses a self-signed certificate. Export its CA (or the
# server certificate) to a PEM file and pass it as `verify`; never `verify=False`,
# which would let anyone who can intercept the connection pose as the server and read
# the `Authorization: Basic` header (RFC 6749 10.9: the client MUST check the server's
# certificate).

# %%
wso2 = wso2_api_manager(host="localhost")
wso2.endpoints

# %% [markdown]
# To run the flow against it, give the keys from the Developer Portal. The panels take
# the same `Endpoints`: `wizard(wso2.endpoints)`, then *Use these keys* in the portal
# panel; for a self-signed certificate, `FlowState(verify="wso2-ca.pem").use_endpoints(...)`.
#
# ```python
# from codegrant_kit.client import Application
# app = Application(client_id="<consumer key>", client_secret="<consumer secret>",
#                   redirect_uris=("https://localhost:8443/playground2/oauth2client",))
# flow = Flow(wso2.endpoints, application=app, scope="PRODUCTION", verify="wso2-ca.pem")
# flow.authorize()            # then open flow.authorization_request.url in your browser
# ```
#
# ## What differs from this kit's server
#
# | | this kit | WSO2 API Manager / IS | Keycloak |
# |---|---|---|---|
# | metadata | `/.well-known/oauth-authorization-server` | `/oauth2/token/.well-known/openid-configuration` | `/realms/R/.well-known/openid-configuration` |
# | issuer | `http://127.0.0.1:PORT` | the token URL | `.../realms/R` |
# | registration | open `POST /register` | Developer Portal, or DCR with admin credentials | admin console, or initial access token |
# | login pages | `/authorize` itself | `/authenticationendpoint/login.do`, `retry.do` | the realm's theme |
# | consent | Approve Once / Approve Always / Deny | the same | only if the client's *Consent required* is on |
# | access tokens | opaque (JWT as an option) | API Manager: JWT by default; Identity Server: chosen per application | JWT |
# | `iss` in the redirect (RFC 9207) | always | see `authorization_response_iss_parameter_supported` in its metadata | in recent versions (keycloak/keycloak#20584) |
#
# ## Any RFC 8414 issuer: discovery
#
# `discover(issuer)` reads the metadata document, and checks that the issuer it names
# is the one you asked for (RFC 8414 3.3: otherwise a server could impersonate
# another). Our own server is an RFC 8414 issuer too:

# %%
from codegrant_kit import start_server

server = start_server()
endpoints = discover(server.url)
endpoints.authorization_response_iss_parameter_supported, endpoints.code_challenge_methods_supported

# %% [markdown]
# With the endpoints, the same `Flow` runs anywhere. Here, against our server, the
# whole flow in code:

# %%
with Flow(endpoints, redirect_uri="https://client.example.com/cb", scope="PRODUCTION") as flow:
    flow.register("Playground")
    flow.authorize()
    flow.open_authorization_page()
    flow.login("admin", "admin")
    flow.consent("approve")
    flow.receive_redirect()
    tokens = flow.exchange_code()
    photos = flow.call_api(server.url + "/api/photos").json()["photos"]
tokens.token_type, [p["title"] for p in photos]

# %% [markdown]
# ## Two servers the kit did not write: django-oauth-toolkit and node-oidc-provider
#
# The kit's tests run the same `Flow`, the panels and the RFC 9700 checklist against
# two real authorization servers from other families, with their own login and
# consent pages (`tests/thirdparty/` in the kit's repository):
#
# - **django-oauth-toolkit 3.4** (Python, oauthlib underneath) in a minimal Django
#   site: Django's own login page, DOT's consent page, its defaults as its tutorial
#   leaves them;
# - **node-oidc-provider 9.13** (Node.js, an OpenID Certified provider) with its
#   built-in development login and consent pages (`devInteractions`).
#
# Neither can start in this notebook's kernel: a kit installed with pip has no Django
# site and no Node packages. So what follows is a **recorded transcript, not a live
# run**: the kit's `Flow` (discover, authorize, log in, approve, check the redirect,
# exchange the code, call the API, refresh, revoke, call again) on each server,
# recorded by `tests/thirdparty/record.py`. One line per HTTP exchange: who sent it,
# the request line with the names of its query parameters (their values change every
# run), the answer's status and `Location`, the names in a JSON answer, and how the
# kit read each page. `test_recording.py` checks, on every test run, that the servers
# still answer exactly this.
#
# <!-- recording: made by tests/thirdparty/record.py, checked by tests/thirdparty/test_recording.py -->
# ```text
# RECORDED TRANSCRIPT (not live)
# # django-oauth-toolkit 3.4.1, issuer http://127.0.0.1:PORT/o
# Client  GET  /.well-known/oauth-authorization-server/o -> 200 {14 members}
# Browser GET  /o/authorize/?response_type&client_id&scope&redirect_uri&state&code_challenge&code_challenge_method -> 302 /accounts/login/?next
# Browser GET  /accounts/login/?next -> 200 [login]
# Browser POST /accounts/login/?next -> 302 /o/authorize/?response_type&client_id&scope&redirect_uri&state&code_challenge&code_challenge_method
# Browser GET  /o/authorize/?response_type&client_id&scope&redirect_uri&state&code_challenge&code_challenge_method -> 200 [consent: 'Cancel', 'Authorize']
# Browser POST /o/authorize/?response_type&client_id&scope&redirect_uri&state&code_challenge&code_challenge_method -> 302 https://client.example.com/cb?code&state
# Client  POST /o/token/ -> 200 {access_token, expires_in, refresh_token, scope, token_type}
# Client  GET  /api/hello -> 200 {hello}
# Client  POST /o/token/ -> 200 {access_token, expires_in, refresh_token, scope, token_type}
# Client  POST /o/revoke_token/ -> 200
# Client  GET  /api/hello -> 403 (no WWW-Authenticate)
#
# # node-oidc-provider 9.13.3, issuer http://127.0.0.1:PORT
# Client  GET  /.well-known/openid-configuration -> 200 {24 members}
# Browser GET  /auth?response_type&client_id&scope&redirect_uri&state&code_challenge&code_challenge_method&prompt -> 303 /interaction/<uid>
# Browser GET  /interaction/<uid> -> 200 [login]
# Browser POST /interaction/<uid> -> 303 /auth/<uid>
# Browser GET  /auth/<uid> -> 303 /interaction/<uid>
# Browser GET  /interaction/<uid> -> 200 [consent: 'Continue', '[ Cancel ]']
# Browser POST /interaction/<uid> -> 303 /auth/<uid>
# Browser GET  /auth/<uid> -> 303 https://client.example.com/cb?code&state&iss
# Client  POST /token -> 200 {access_token, expires_in, id_token, refresh_token, scope, token_type}
# Client  GET  /me -> 200 {sub}
# Client  POST /token -> 200 {access_token, expires_in, id_token, refresh_token, scope, token_type}
# Client  POST /token/revocation -> 200
# Client  GET  /me -> 401 error=invalid_token WWW-Authenticate: error=invalid_token
# ```
#
# What the recording shows, and what the tests found besides:
#
# | | this kit | django-oauth-toolkit | node-oidc-provider |
# |---|---|---|---|
# | issuer, metadata | `http://127.0.0.1:PORT`, RFC 8414 | `.../o`; RFC 8414 at `/.well-known/oauth-authorization-server/o` and OpenID's at `/o/.well-known/openid-configuration` (the root document names another issuer, without `/o`) | the origin; both documents |
# | advertised | S256 | `plain` and S256, the implicit and password grants too (its RFC 9700 switches are off by default) | S256 only |
# | login page | `/authorize` itself | Django's `/accounts/login/?next=...`: the request waits in `next` | `/interaction/<uid>`, after a 303 |
# | a wrong password | the login page again, with WSO2's message | the page again: "Please enter a correct username and password. Note that both fields may be case-sensitive." No lockout | any password signs in: a development page |
# | PKCE | required | required (`PKCE_REQUIRED`), checked after the login: `invalid_request` "Code challenge required." | required here by configuration (its default: public clients only), checked before the login: "Authorization Server policy requires PKCE to be used for this request" |
# | consent page | Approve Once / Approve Always / Deny | a form repeating the request in hidden fields; **Authorize** (`allow`) and **Cancel**; asked every time | a form with a hidden `prompt=consent` and **Continue**; `[ Cancel ]` is a link (`/abort`): "End-User aborted interaction". Remembered for the session |
# | no scope, or an unknown one | no scope: the client's registered scopes; unknown: `invalid_scope` | no scope: every scope (`openid read write`); unknown: `invalid_scope` | `access_denied` after the login: nothing granted. The panels now pick a listed scope |
# | the redirect | 302, `code`, `state`, `iss` | 302, `code`, `state`, no `iss` (RFC 9207 is an opt-in switch) | 303, `code`, `state`, `iss` |
# | refresh tokens | rotated | always issued, rotated; the old one: `invalid_grant` | only for `offline_access` **with `prompt=consent`** (OpenID Connect Core 11): `flow.authorize(prompt="consent")` sends it, as recorded above; a confidential client's is not rotated |
# | a replayed code | refused, its tokens revoked | refused (`invalid_grant`); the first tokens stay active | refused ("grant request is invalid"); the first tokens revoked |
# | a revoked token at the API | 401 `invalid_token` | 403, empty body, no `WWW-Authenticate`: the kit says why from the flow's own records ("This flow revoked this access token") | 401, `WWW-Authenticate: Bearer error="invalid_token"` |
# | an access token in the URL | refused | accepted (oauthlib reads the query) | refused: "access tokens must not be provided via query parameter" |
# | headers of the pages | `Cache-Control: no-store`, `Referrer-Policy: no-referrer`, CSP `frame-ancestors 'none'`, `X-Frame-Options: DENY` | Django's: `Referrer-Policy: same-origin`, `X-Frame-Options: DENY`; no `Cache-Control` on the consent page | `Cache-Control: no-store`; no Referrer-Policy, no framing protection |
#
# Pointed at them, `run_checklist(issuer, username=..., password=..., client_id=...,
# client_secret=..., redirect_uri=..., api_url=...)` gives each a verdict per item from
# what it saw: DOT fails `single_use_codes` (a replay revokes nothing), `iss_in_response`,
# `no_tokens_in_urls`, `guessing_slowed` and `oidc_prompt_none` (a 500 where OpenID
# Connect asks for `login_required`); node-oidc-provider fails `guessing_slowed` (its
# first wrong password signs in) and `clickjacking`, passes `referrer_policy` only
# because it moves the request off the page's URL, as the reason says, and leaves
# `oidc_at_hash` without a verdict: its code-flow ID token has no `at_hash`, which
# OpenID Connect makes optional there.
