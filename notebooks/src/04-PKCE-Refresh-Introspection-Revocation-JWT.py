# %% [markdown]
# # PKCE, refresh tokens, introspection, revocation and JWT access tokens
#
# **What you will learn**
# - why a code alone is not enough for apps that cannot keep a secret, and how PKCE
#   (RFC 7636) binds the code to the app that asked for it;
# - how a refresh token gets new access tokens, and why it is rotated (RFC 6749 6, RFC 9700 4.14);
# - how a resource server asks about a token (introspection, RFC 7662) and how a client
#   gives one up (revocation, RFC 7009);
# - what is inside a JWT access token (RFC 9068), and how to check its signature.
#
# This server issues JWT access tokens, as WSO2 API Manager does by default.

# %%
from codegrant_kit import ServerConfig, start_server
from codegrant_kit.client import Flow, OAuthResponseError, PkcePair, discover, seeded_token_factory
from codegrant_kit.server import SeededRandomness

server = start_server(
    config=ServerConfig(randomness=SeededRandomness("tutorial-04"), access_token_format="jwt")
)
flow = Flow(
    discover(server.url),
    redirect_uri="https://client.example.com/cb",
    scope="PRODUCTION photos:read",
    token_factory=seeded_token_factory("tutorial-04"),
)
app = flow.register("Photo printer")

# %% [markdown]
# ## Confidential and public clients (RFC 6749 2.1)
#
# A **confidential** client can keep a secret: it runs on a server of its own, like the
# photo printer's web backend, and authenticates at the token endpoint with its
# secret. A **public** client cannot: an app in the browser or on a phone ships its
# code to every user, so any secret inside it is known to anyone who looks. A public
# client sends only its `client_id` (`token_endpoint_auth_method` `none`), and the
# server cannot tell it from an impostor by credentials. This kit's server registers
# both: an application that asks for `none` gets no `client_secret`, and must then use
# PKCE, its only proof (RFC 9700 2.1.1).

# %%
from codegrant_kit.client import attempt, register_client

print(attempt(lambda: register_client(flow.endpoints, client_name="Browser app",
                                      redirect_uris=[flow.redirect_uri],
                                      token_endpoint_auth_method="none")))

# %% [markdown]
# ## PKCE: proof that the app redeeming the code is the app that asked for it
#
# Before sending the browser off, the client makes a random **code verifier** and
# sends only its SHA-256 hash, the **code challenge**. At the token endpoint it shows
# the verifier. A malicious app that intercepts the code (say, by registering the same
# custom URL scheme on a phone) does not have the verifier, so the code is useless to it.

# %%
pair = PkcePair.from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")  # RFC 7636 Appendix B
pair.code_verifier, pair.code_challenge, pair.code_challenge_method

# %%
request = flow.authorize(pkce=True)
for note in request.explain():
    print(f"{note.parameter:22} {note.value[:45]:47} {note.purpose}")

# %%
flow.open_authorization_page()
flow.login("admin", "admin")
flow.consent("approve")
flow.receive_redirect().code

# %% [markdown]
# The interceptor tries the code with a verifier of its own: `invalid_grant`. It sends
# the client's own `client_id` and secret here, as it could against a public client
# (which has no secret) or if the secret leaked too; without them this server would
# stop it earlier, with `401 invalid_client`. The rightful client, with the real
# verifier, still gets its tokens: a failed attempt does not burn the code. For a
# public client PKCE is the only proof there is, which is why RFC 9700 2.1.1 says
# public clients MUST use it (and RECOMMENDS it for confidential ones).

# %%
from codegrant_kit.client import send_token_request, token_request

stolen = token_request(flow.endpoints, app, code=flow.authorization_response.code,
                       redirect_uri=flow.redirect_uri, code_verifier="x" * 43)
try:
    send_token_request(stolen)
except OAuthResponseError as error:
    print(error.status, error.error, "-", error.error_description)

# %%
tokens = flow.exchange_code()
tokens.token_type, tokens.expires_in, tokens.scope

# %% [markdown]
# ## A JWT access token (RFC 9068)
#
# The access token is three base64url parts: a header, the claims, and a signature
# made with the server's private key. Anyone can read the claims (so never put secrets
# there); only the server can sign them, and anyone can check the signature with the
# public key the server publishes at its `jwks_uri`.

# %%
import base64
import json

header, claims, signature = tokens.access_token.split(".")
decode = lambda part: json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
decode(header)

# %%
decode(claims)

# %% [markdown]
# The JWT panel checks the signature against the server's JWKS; a token changed by one
# character fails.

# %%
#JWT-PANEL

# %% [markdown]
# ## Refresh, with rotation
#
# A refresh token gets a new access token without the user. Each use gives a new
# refresh token and retires the old one; if a retired one comes back, the server takes
# it for a stolen copy and revokes the whole grant (RFC 9700 4.14.2). It remembers the
# last 20 retired refresh tokens of a grant; an older one gets `invalid_grant` alone.
# (Two tabs of one app that refresh at once look exactly like a theft: notebook 08.)

# %%
first_refresh = tokens.refresh_token
new = flow.refresh(scope="photos:read")  # narrower is fine; wider is invalid_scope
new.scope, new.refresh_token != first_refresh

# %%
from codegrant_kit.client import refresh

try:
    refresh(flow.endpoints, app, first_refresh)
except OAuthResponseError as error:
    print(error.error, "-", error.error_description)

# %% [markdown]
# The reuse revoked the grant, so even the newest tokens are dead now:

# %%
flow.introspect().active

# %% [markdown]
# ## Introspection and revocation
#
# A fresh flow, then ask the server about the token (what a resource server does when
# it cannot read a token itself), then revoke it (what a client does at logout).

# %%
flow.authorize()
flow.open_authorization_page()
flow.login("admin", "admin")
flow.consent("approve")
flow.receive_redirect()
flow.exchange_code()
info = flow.introspect()
info.active, info.scope, info.client_id == app.client_id, info.username

# %%
flow.revoke(flow.tokens.refresh_token, token_type_hint="refresh_token")
flow.introspect().active

# %%
try:
    flow.call_api(server.url + "/api/photos")
except OAuthResponseError as error:
    print(error.status, error.error, "-", error.error_description)

# %% [markdown]
# Revoking the refresh token also revoked the access tokens of the same grant
# (RFC 7009 2.1), so the photos API now answers `401`.
