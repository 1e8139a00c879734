# %% [markdown]
# # Start here: the Authorization Code Grant in one sitting
#
# **What you will learn**
# - what the OAuth 2.0 Authorization Code Grant is for, and the four roles in it;
# - the five steps of the flow, (A) to (E), as RFC 6749 section 4.1 draws them;
# - how to run the whole flow yourself against a real authorization server that
#   lives in this notebook's kernel, one panel per step.
#
# ## What the code grant is for
#
# You use a photo-printing website (the **client**). Your photos live with another
# service (the **resource server**). You want the printing site to import your
# photos, but you must not give it your password. Instead, the printing site sends
# your browser to the **authorization server** that guards your account; you sign in
# *there*, say what the site may do, and the authorization server sends your browser
# back with a short-lived **authorization code**. The site swaps that code, together
# with its own credentials, for an **access token**, and calls the photo API with it.
# Your password never reaches the site, and the token can be limited (its *scope*),
# expire, and be revoked.
#
# ## The four roles (RFC 6749 section 1.1)
#
# | role | in this kit | in the WSO2 guide |
# |---|---|---|
# | resource owner | you, signing in as `admin` | the user of the playground app |
# | client | the panels and `codegrant_kit.client` | the playground web app ("Import Photos") |
# | authorization server | the Starlette server started below | WSO2 API Manager / Identity Server, `https://localhost:9443/oauth2/...` |
# | resource server | the photos API at `/api/photos` | an API behind the gateway, `https://localhost:8243` |
#
# ## The flow
#
# ```mermaid
# sequenceDiagram
#     participant U as Resource owner (browser)
#     participant C as Client
#     participant AS as Authorization server
#     participant RS as Resource server
#     C->>U: (A) redirect to /authorize<br/>response_type=code, client_id,<br/>redirect_uri, scope, state
#     U->>AS: GET /authorize ...
#     AS->>U: login page, then consent page
#     U->>AS: (B) sign in, then<br/>Approve Once, Approve Always or Deny
#     AS->>U: (C) 302 Found<br/>Location: redirect_uri?code&state
#     U->>C: GET redirect_uri?code&state
#     C->>AS: (D) POST /token<br/>Authorization: Basic ...<br/>grant_type=authorization_code,<br/>code, redirect_uri
#     AS->>C: (E) 200 access_token, token_type Bearer,<br/>expires_in, refresh_token
#     C->>RS: GET /api/photos<br/>Authorization: Bearer access_token
#     RS->>C: 200 [photos]
# ```
#
# ## Start the authorization server
#
# One cell starts it in a background thread of this kernel, on `127.0.0.1` and a
# free port. It knows one user, `admin` with password `admin` (WSO2's default).
# The tutorials pass a fixed *seed* so that the codes and tokens you see match the
# saved notebook; a real server never does that (the server says so loudly).
# Running the cell again is safe: you get the same server back.

# %%
from codegrant_kit import ServerConfig, start_server
from codegrant_kit.server import SeededRandomness

server = start_server(config=ServerConfig(randomness=SeededRandomness("tutorial-01")))
server

# %% [markdown]
# ## Walk the flow with the wizard
#
# The wizard stacks one panel per step. Work top to bottom: create an application in
# the Developer Portal, build the authorize URL, sign in and approve, read the
# redirect, request the token, and call the photos API. Each panel shows the HTTP
# exchange it made, as raw text. Opened in your own browser, the authorize link ends on
# the kit's callback page (the portal's default callback URL), which shows the code;
# back here, *Use the redirect the callback page received* hands it to the redirect step.

# %%
from codegrant_kit.panels import wizard

wizard(server)

# %% [markdown]
# ## The same flow in code
#
# Every panel calls plain functions of `codegrant_kit.client`, which you can call
# yourself. Here is the whole flow in a few lines, then what went over the wire.

# %%
from codegrant_kit.client import Flow, seeded_token_factory

flow = Flow.discover(server.url, redirect_uri="https://client.example.com/cb", scope="PRODUCTION",
                     token_factory=seeded_token_factory("tutorial-01"))
flow.register("Playground")                 # Developer Portal: consumer key and secret
flow.authorize()                            # (A) the /authorize URL, with state and PKCE
flow.open_authorization_page()              # the browser opens it: a login page
flow.login("admin", "admin")                # (B) sign in
flow.consent("approve")                     #     Approve Once
flow.receive_redirect()                     # (C) 302 Found, the code in the Location
tokens = flow.exchange_code()               # (D)-(E) POST /token with Basic auth
photos = flow.call_api(server.url + "/api/photos").json()["photos"]
[photo["title"] for photo in photos]

# %% [markdown]
# What went over the wire, drawn from the exchanges the flow really made:

# %%
from IPython.display import Markdown

Markdown(flow.transcript.markdown())

# %% [markdown]
# And one exchange in full, the token request, in the format of the WSO2 guide:

# %%
token_exchange = [x for x in flow.transcript.exchanges if x.request.url.path == "/token"][0]
print(token_exchange.raw_request(headers=["Host", "Authorization", "Content-Type"]))

# %% [markdown]
# ## Where next
#
# - **02** walks the WSO2 guide's flow step by step, and finds a mistake in it.
# - **03** shows the same flow with raw `httpx` and what each RFC rule protects against.
# - **04** adds PKCE, refresh tokens, introspection, revocation and JWT access tokens.
# - **05** points the same code at a real WSO2 or Keycloak server.
# - **06** has exercises with automatic checks.
# - **07** runs attacks on the flow, each one stopped by its defence.
# - **08** answers the questions learners ask most, live: redirect URI mismatches,
#   `invalid_grant`, Basic headers, refresh in two tabs, state and PKCE, token storage.
# - **09** adds OpenID Connect: the ID token, nonce, userinfo, and the attacks on them.
# - **10** hardens the flow: DPoP, PAR, private_key_jwt, resource indicators, public
#   clients, each attack with its defence off and on; the OAuth 2.1 and FAPI 2.0 profiles.
