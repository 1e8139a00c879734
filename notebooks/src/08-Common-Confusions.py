# %% [markdown]
# # Common confusions, answered live
#
# **What you will learn**: the answers to the questions learners ask most often about
# the code flow, each one asked of a real server: this kit's own, started below.
# - why a redirect URI that "looks the same" is refused: a trailing slash, a port,
#   `localhost` against `127.0.0.1`;
# - what an `invalid_grant` can mean, and how to tell the causes apart;
# - why a client secret with `+`, `/` or `:` breaks some Basic headers;
# - what happens when two browser tabs refresh with the same refresh token;
# - what `state` stops and what PKCE stops, and where OpenID Connect's `nonce` fits;
# - where a browser app should keep its tokens.
#
# The server's clock stands still until a cell moves it (`LabClock`), so that a code
# expires exactly when we say. One application, the *Photo printer*, has a secret with
# a `+`, a `/` and a `:` in it, for the Basic header section.

# %%
from codegrant_kit import ServerConfig, start_server
from codegrant_kit.client import Flow, attempt, discover, seeded_token_factory
from codegrant_kit.lab import LabClock
from codegrant_kit.server import SeededRandomness

CALLBACK = "https://client.example.com/cb"
PRINTER_SECRET = "gX1f+Bat3/bV:pr1nt"
clock = LabClock()
server = start_server(
    config=ServerConfig(randomness=SeededRandomness("tutorial-08"), clock=clock),
    clients=[{"client_id": "photo-printer", "client_secret": PRINTER_SECRET,
              "client_name": "Photo printer", "redirect_uris": [CALLBACK]}],
)
endpoints = discover(server.url)
tokens_08 = seeded_token_factory("tutorial-08")  # the client's state and PKCE values
with Flow(endpoints, scope="PRODUCTION", token_factory=tokens_08) as flow:
    app = flow.register("Playground", redirect_uri=CALLBACK)
    other = flow.register("Another app", redirect_uri=CALLBACK)
    loopback = flow.register("Desktop app", redirect_uri="http://127.0.0.1/cb")
app.redirect_uris, loopback.redirect_uris

# %% [markdown]
# ## 1. "My redirect_uri is the same, but the server says it is not registered"
#
# The server compares the `redirect_uri` of the authorization request with the
# registered ones **as strings, character by character** (RFC 9700 2.1; RFC 6749
# 3.1.2.3 when a full URI was registered). It does not normalise: to it, a trailing
# slash, an explicit `:443`, or a host in capitals make another URI, though a browser
# would open the same page. And a redirect URI that does not match gets an error page,
# never a redirect (RFC 6749 3.1.2.4): the server cannot know that the URI is the
# client's, so sending the code there could hand it to an attacker.

# %%
tries = [CALLBACK, CALLBACK + "/", "https://client.example.com:443/cb", "https://Client.example.com/cb"]
for uri in tries:
    with Flow(endpoints, application=app, redirect_uri=uri, scope="PRODUCTION", token_factory=tokens_08) as f:
        f.authorize()
        page = f.open_authorization_page()
    print(f"{uri:36} {page.status} {page.kind}")

# %% [markdown]
# The error page says what was registered, and why the match is exact:

# %%
print(page.message)

# %% [markdown]
# **Ports on the loopback.** A desktop app that receives its redirect on the loopback
# interface gets a free port from the operating system when it starts, so it cannot
# register the port in advance. RFC 8252 7.3 says the server **MUST** allow any port
# for a loopback IP redirect URI (`http://127.0.0.1` or `http://[::1]`), the one
# exception RFC 9700 2.1 makes to exact matching. The desktop app registered
# `http://127.0.0.1/cb`, without a port. **`localhost` is not the loopback IP**: RFC
# 8252 8.3 says it is NOT RECOMMENDED: an app listening on the name may listen on
# other interfaces than the loopback by mistake, and the name can be resolved wrongly
# on the user's machine. This server matches a `localhost` URI exactly, port and all.

# %%
tries = ["http://127.0.0.1:51004/cb", "http://127.0.0.1:8080/cb", "http://localhost:51004/cb",
         "http://127.0.0.1:51004/callback"]
for uri in tries:
    with Flow(endpoints, application=loopback, redirect_uri=uri, token_factory=tokens_08) as f:
        f.authorize()
        page = f.open_authorization_page()
    print(f"{uri:36} {page.status} {page.kind}")

# %% [markdown]
# The `localhost` answer ends with a hint of its own:

# %%
with Flow(endpoints, application=loopback, redirect_uri="http://localhost:51004/cb",
          token_factory=tokens_08) as f:
    f.authorize()
    print(f.open_authorization_page().message)

# %% [markdown]
# Only the port is free (RFC 8252 7.3 speaks of the port alone): the path, `/callback`
# above, must match exactly.
#
# ## 2. "invalid_grant, but why?"
#
# At the token endpoint one error code covers every problem with the grant itself
# (RFC 6749 5.2): the code "is invalid, expired, revoked, does not match the
# redirection URI used in the authorization request, or was issued to another
# client". The `error_description` is the only part of the answer that tells the
# causes apart, and RFC 6749 5.2 makes it OPTIONAL: a server may leave it out, or word
# it vaguely. This server names each cause. Five codes, five mistakes;
# `flow.run_front_channel` does steps (A) to (C) for each (authorize, sign in,
# approve, the redirect), and `attempt` keeps the answer on one line.
#
# **The code was used already** (RFC 6749 4.1.2: a code works once):

# %%
with Flow(endpoints, application=app, scope="PRODUCTION", token_factory=tokens_08) as flow:
    flow.run_front_channel("admin", "admin")
    flow.exchange_code()
    print(attempt(flow.exchange_code))

# %% [markdown]
# **The token request's `redirect_uri` differs from the authorization request's**
# (RFC 6749 4.1.3: they must be identical). Here the same trailing slash as in section
# 1: at `/authorize` it gets an error page, at `/token` an `invalid_grant`.

# %%
from codegrant_kit.client import exchange_code

with Flow(endpoints, application=app, scope="PRODUCTION", token_factory=tokens_08) as flow:
    code = flow.run_front_channel("admin", "admin").code
    verifier = flow.pkce.code_verifier
print(attempt(lambda: exchange_code(endpoints, app, code=code, redirect_uri=CALLBACK + "/",
                                    code_verifier=verifier)))

# %% [markdown]
# **The `code_verifier` is not the one whose challenge went out** (RFC 7636 4.6), as
# when a client makes a new PKCE pair between the two steps:

# %%
from codegrant_kit.client import PkcePair

print(attempt(lambda: exchange_code(endpoints, app, code=code, redirect_uri=CALLBACK,
                                    code_verifier=PkcePair.generate(tokens_08).code_verifier)))

# %% [markdown]
# **The code expired.** Codes live 300 s here, as on WSO2 (RFC 6749 4.1.2: "a maximum
# lifetime of 10 minutes is RECOMMENDED"). Five minutes and a second pass:

# %%
with Flow(endpoints, application=app, scope="PRODUCTION", token_factory=tokens_08) as flow:
    flow.run_front_channel("admin", "admin")
    clock.advance(301)
    print(attempt(flow.exchange_code))

# %% [markdown]
# **The code was issued to another client**: another application, with its own valid
# secret, redeems it (RFC 6749 4.1.3). This is the WSO2 guide's slip of notebook 02,
# with a client that does exist.

# %%
with Flow(endpoints, application=app, scope="PRODUCTION", token_factory=tokens_08) as flow:
    response = flow.run_front_channel("admin", "admin")
    verifier = flow.pkce.code_verifier
print(attempt(lambda: exchange_code(endpoints, other, code=response.code, redirect_uri=CALLBACK,
                                    code_verifier=verifier)))

# %% [markdown]
# | cause | what the client did | the fix |
# |---|---|---|
# | used already | sent the code twice (a retry, a double click, a replay) | one exchange per code; on a network error, start the flow again |
# | `redirect_uri` differs | the token request's URI is not the authorize request's, byte for byte | send the very string the authorize URL carried |
# | `code_verifier` differs | a new PKCE pair, or another session's | keep the pair with the session that sent the challenge |
# | expired | waited too long (here 300 s) | exchange the code as soon as the redirect arrives |
# | another client's code | authenticated as another application | the credentials of the `client_id` in the authorize URL |
#
# Three of the failed requests did not use the code up: one refused for its
# `redirect_uri`, its verifier or its client leaves the code to its rightful client
# (else a stranger could burn it), which is why the verifier case above could reuse the
# code of the `redirect_uri` case. The replay did more than fail: the server revoked the tokens the first
# exchange gave (RFC 6749 4.1.2), as notebook 03 shows. Not an `invalid_grant` at all:
# a *missing* `redirect_uri` or `code_verifier` is `invalid_request`, and a wrong or
# missing secret is `401 invalid_client`, which the server checks first.
#
# ## 3. A Basic header for a secret with `+`, `/` or `:` (RFC 6749 2.3.1)
#
# RFC 7617 builds a Basic header as `base64(user ":" password)`. RFC 6749 2.3.1 adds a
# step before it: the client id and the secret are each **form-encoded** first
# (`application/x-www-form-urlencoded`, Appendix B), and the server decodes them after
# the base64. HTTP libraries' Basic helpers do RFC 7617 alone (httpx's `BasicAuth`
# among them): they are not written for OAuth. For a secret of
# letters and digits the two agree; for the Photo printer's secret they do not:

# %%
from codegrant_kit.client import BasicAuthSteps, decode_basic, unencoded_basic

right = BasicAuthSteps("photo-printer", PRINTER_SECRET)
for step in right.explain():
    print(f"{step.parameter:22} {step.value}")
wrong = unencoded_basic("photo-printer", PRINTER_SECRET)
print(f"{'RFC 7617 alone':22} {wrong}")

# %% [markdown]
# `decode_basic` undoes the steps as this server does (base64, then the form
# decoding of RFC 6749 2.3.1). What the server reads from each:

# %%
decode_basic(right.header_value).client_secret, decode_basic(wrong).client_secret

# %% [markdown]
# In the un-encoded header the `+` comes out as a space, so the secret is wrong. Both
# headers, sent in turn with the same fresh code:

# %%
from codegrant_kit.client import Application, send_token_request

printer = Application.manual("photo-printer", PRINTER_SECRET, CALLBACK)
with Flow(endpoints, application=printer, scope="PRODUCTION", token_factory=tokens_08) as flow:
    flow.run_front_channel("admin", "admin")
    request = flow.token_request()  # its header is BasicAuthSteps' (the right one)
    request.headers["Authorization"] = wrong
    print("RFC 7617 alone:", attempt(lambda: send_token_request(request)))
    print("RFC 6749 2.3.1:", attempt(flow.exchange_code))

# %% [markdown]
# The refused header did not use the code up: the server checks the client before the
# code, and a request that fails there changes nothing.
#
# Of the three characters only the `+` broke the un-encoded header here: decoding
# turns `+` into a space and `%2B` into `+`, while a bare `/` or `:` decodes to itself,
# so this server would accept a secret of letters, `/` and `:` either way. That makes
# the trap easy to miss: it bites only the secrets with `+` or `%` in them. A server
# that skips the decoding fails the other way round: it refuses the *correct* header
# for `/` and `:`, which arrive as `%2F` and `%3A`. The client id is split from the
# secret at the first `:` (RFC 7617 2), so a client id with a `:` needs the encoding
# everywhere. The cure on the client's side is to encode, as RFC 6749 says; against a
# server that does not decode, register `client_secret_post` instead, where the
# ordinary form encoding of the body carries the secret.
#
# ## 4. Refresh rotation in two tabs at once
#
# This server rotates refresh tokens: each refresh returns a new refresh token and
# retires the old one (RFC 9700 4.14.2). A retired refresh token that comes back is
# taken for a stolen copy, and the server revokes the whole grant. Two tabs of one
# browser app that keep the tokens in shared storage both see the access token
# expire, and both refresh with the same refresh token, at the same moment:

# %%
from concurrent.futures import ThreadPoolExecutor

from codegrant_kit.client import introspect, refresh

with Flow(endpoints, application=app, scope="PRODUCTION", token_factory=tokens_08) as flow:
    flow.run_front_channel("admin", "admin")
    shared = flow.exchange_code().refresh_token  # what both tabs read from storage
with ThreadPoolExecutor(2) as tabs:
    outcomes = list(tabs.map(lambda tab: attempt(lambda: refresh(endpoints, app, shared)), "AB"))
for outcome in sorted(outcomes, key=str):
    print(outcome)

# %% [markdown]
# The server handles the two requests one after the other. The first wins and gets
# new tokens; the second presents a retired refresh token. That looks exactly like
# theft, so the server revokes the grant, and the winner's new tokens with it:

# %%
winner = next(outcome.value for outcome in outcomes if outcome.ok)
print("winner's access token active:", introspect(endpoints, app, winner.access_token).active)
print("winner's refresh token:", attempt(lambda: refresh(endpoints, app, winner.refresh_token)))

# %% [markdown]
# Both tabs are signed out, and the user must sign in again. The server cannot tell
# a race from a theft, and this one allows no grace period. The fix is on the
# client's side: one refresh at a time for all tabs (a lock shared between the tabs,
# such as the Web Locks API, or one tab that refreshes and tells the others through a
# `BroadcastChannel`), or a backend that keeps the tokens and refreshes for every tab
# (section 6).
#
# ## 5. State and PKCE: what each one stops
#
# Both are random values the client makes for each authorization request, and both
# are checked later, so they are easy to mix up. They protect different steps:
#
# | | `state` (RFC 6749 10.12) | PKCE (RFC 7636) |
# |---|---|---|
# | made by the client | a random value | a random `code_verifier`; its hash, the `code_challenge`, goes out |
# | travels | out in the authorize URL, back in the redirect | the challenge in the authorize URL, the verifier in the token request |
# | checked by | the **client**, on the redirect | the **server**, at the token endpoint |
# | stops | CSRF on the callback: a redirect the client did not ask for, such as an attacker's own code pushed into the victim's browser | a stolen or injected code redeemed in a session that did not start the flow |
# | without it | the victim's session is linked to the attacker's account | an intercepted code is worth tokens |
#
# RFC 9700 2.1 adds that a client using PKCE is protected against CSRF on the
# callback too, once the server enforces PKCE, since the attacker's code was bound to
# the attacker's verifier; `state` still serves to tie a redirect to the request that
# the client sent. The client side of `state`, live: a callback carrying a code the
# client never asked for is dropped before the code is used.

# %%
from codegrant_kit.client import StateMismatch, parse_redirect

with Flow(endpoints, application=app, scope="PRODUCTION", token_factory=tokens_08) as flow:
    request = flow.authorize()
forged = f"{CALLBACK}?code=mallorys-own-code&state=a-state-of-mallorys&iss={endpoints.issuer}"
try:
    parse_redirect(forged, expected_state=request.state, expected_issuer=endpoints.issuer)
except StateMismatch as error:
    print(error)

# %% [markdown]
# The server side of PKCE, a wrong verifier, is the third `invalid_grant` of section 2.
#
# A third value, `nonce`, belongs to OpenID Connect (Core 1.0, 3.1.2.1): it goes out in
# the authorization request and comes back inside the ID token, which binds that token
# to the client's session (RFC 9700 2.1 counts it as CSRF protection in OpenID Connect
# flows). This kit's server speaks OpenID Connect: a request whose scope holds `openid`
# carries a fresh `nonce` beside its `state`, as the kit's client builds it:

# %%
with Flow(endpoints, application=app, token_factory=tokens_08) as flow:
    request = flow.authorize(scope="openid")
print("state:", request.state)
print("nonce:", request.nonce)

# %% [markdown]
# The ID token brings the `nonce` back, and the client compares the two. Notebook 09,
# *OpenID Connect: who signed in*, puts `state`, PKCE and `nonce` in one table and shows
# each one stopping its attack.
#
# ## 6. Where should a browser app keep its tokens?
#
# There is nothing to run here: the question is about code in the browser, which this
# kit does not run. The options, from the IETF draft "OAuth 2.0 for Browser-Based
# Applications" (draft-ietf-oauth-browser-based-apps):
#
# - **Not in the browser at all (a backend for frontend).** A small server of the app's
#   own is the OAuth client: a confidential one, with a secret. It does the code
#   exchange and the refreshes, keeps the tokens, and gives the browser only a session
#   cookie marked `HttpOnly` (no script can read it), `Secure` (TLS only) and
#   `SameSite`; API calls go through it. A script injected into the page (XSS) can
#   still act through the backend while the page is open, but it cannot take the
#   tokens away. The draft recommends this for business and sensitive applications.
# - **In the memory of the page's JavaScript** (a variable, or a Web Worker that the
#   page only sends requests to). Gone on reload, when the app runs the flow again;
#   the user signs in again unless the authorization server still has a session.
#   Injected script in the same page can still use the tokens while they live.
# - **`localStorage` or `sessionStorage`:** every script of the origin reads them, an
#   injected one too, and can send them elsewhere, where they keep working until they
#   expire. `localStorage` also keeps them on disk after the tab closes. Avoid it for
#   refresh tokens.
#
# A browser app that is an OAuth client itself is a **public client**: it cannot keep
# a secret, so it uses PKCE and a server that rotates its refresh tokens, as above. In
# this kit the client is the notebook's kernel: the tokens live in Python objects on
# the machine that runs it, as a backend keeps them; the panels show them because
# seeing them is the lesson. The kit's own server sets its browser cookie (it ties a
# login form to the browser that opened it) as the first item says: `HttpOnly`,
# `SameSite=Lax`, and `Secure` whenever its issuer is `https`.
