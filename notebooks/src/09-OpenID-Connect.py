# %% [markdown]
# # OpenID Connect: who signed in
#
# **What you will learn**: what OpenID Connect adds to the code flow you already know,
# each part asked of this kit's server, which is an OpenID Provider:
# - the **ID token** against the **access token**: who each one is for, and why the API
#   refuses the one that is not its own;
# - **nonce** against **state** against **PKCE**: three random values, three different
#   attacks, one table, each one shown stopping its attack;
# - **userinfo**, and why its `sub` must be the ID token's;
# - **prompt**: `none`, `login`;
# - the attacks on a client that gets OpenID Connect wrong, each shown getting through a
#   *naive* client and stopped by the checks of OpenID Connect Core 3.1.3.7;
# - what WSO2 Identity Server 7 and Keycloak do by default.
#
# OAuth 2.0 lets a client act at an API on the user's behalf; it does not say who the
# user is. OpenID Connect Core 1.0 adds that on top of the same code flow: ask for the
# scope `openid`, and the token response carries an `id_token` beside the access token.
#
# The lab server below is the kit's server with every defence on, the lab's two users
# (alice, and mallory, who attacks her), a seeded random source and a clock that stands
# still, so every run of this notebook shows the same values.

# %%
from codegrant_kit.client import decode_jwt
from codegrant_kit.lab import LabServer

server = LabServer(seed="tutorial-09")
target = server.target
app = target.register("Photo Importer")
endpoints = target.endpoints()
print(endpoints.jwks_uri, endpoints.userinfo_endpoint, sep="\n")

# %% [markdown]
# ## 1. The ID token against the access token
#
# alice signs in at the Photo Importer with `openid profile email photos:read`. The
# `Flow` sends a fresh `nonce` with the request, because the scope asks for `openid`
# (Core 3.1.2.1).

# %%
flow = target.flow(app)
flow.run_front_channel("alice", "sunshine", scope="openid profile email photos:read")
tokens = flow.exchange_code()
print("nonce sent:  ", flow.authorization_request.nonce)
print("access_token:", tokens.access_token)
print("id_token:    ", tokens.id_token)

# %% [markdown]
# The access token here is opaque: a random string the server looks up. The ID token
# is a JWT (a header, claims, a signature, base64url-encoded and joined by dots). Its
# claims say who signed in (`sub`), at which issuer (`iss`), for which client (`aud`),
# when (`iat`, `auth_time`), until when (`exp`), for which request (`nonce`), and with
# which access token (`at_hash`):

# %%
decode_jwt(tokens.id_token).claims

# %% [markdown]
# | | access token | ID token |
# |---|---|---|
# | defined by | RFC 6749 (format: any; RFC 9068 for JWTs) | OpenID Connect Core 1.0, Section 2 (always a signed JWT) |
# | read by | the **API** (resource server) | the **client**, never sent on |
# | says | what the holder may do (`scope`) | who signed in, to which client, when |
# | audience | the resource (RFC 9068 `aud`, RFC 8707) | the client: `aud` = `client_id` |
# | checked by | the API: introspection, or the JWT's signature and `aud` | the client: Core 3.1.3.7, step by step |
#
# The audiences differ because the two tokens go to different places. An API that
# accepted an ID token would accept a token issued to *any* client the user ever
# signed in to: every such app holds one, for its own `client_id`, and could open the
# user's photos with it. So the photos API takes only its own access tokens; an ID
# token gets `401` with a `WWW-Authenticate` challenge (RFC 6750 3.1):

# %%
import httpx

for name in ("access_token", "id_token"):
    answer = httpx.get(target.api_url, headers={"Authorization": f"Bearer {getattr(tokens, name)}"})
    print(f"{name:13} {answer.status_code} {answer.headers.get('www-authenticate', '')}")

# %% [markdown]
# The client, for its part, checks the ID token before it believes it (Core 3.1.3.7):
# each step with its value, its rule and its section. The notebooks' `IdTokenPanel`
# shows the same steps in a panel.

# %%
print(flow.check_id_token())

# %% [markdown]
# ## 2. nonce, state and PKCE: three values, three attacks
#
# All three are random values the client makes for each authorization request, and all
# three come back later. They are easy to confuse because they travel together; each
# stops a different attack:
#
# | | `state` (RFC 6749 10.12) | PKCE (RFC 7636) | `nonce` (OIDC Core 3.1.2.1, 15.5.2) |
# |---|---|---|---|
# | sent | in the authorize URL | the `code_challenge` in the authorize URL, the `code_verifier` in the token request | in the authorize URL |
# | comes back | in the redirect | (the server keeps the challenge) | inside the ID token |
# | checked by | the **client**, on the redirect | the **server**, at the token endpoint | the **client**, in the ID token |
# | binds | the redirect to the request | the code to the session that asked for it | the ID token to the request |
# | stops | CSRF on the callback: a redirect the client never asked for | a stolen or injected code redeemed elsewhere | an ID token from another sign-in injected or replayed |
#
# RFC 9700 2.1 lets PKCE stand in for `state` against CSRF once the server enforces it,
# and lets the `nonce` of OpenID Connect stand in the same way; the kit's client sends
# all three. Each one live, as the lab runs it against this server:

# %%
from codegrant_kit.lab import callback_csrf, id_token_from_another_flow, intercept_code

print("state:", callback_csrf(server).headline)
print("PKCE: ", intercept_code(server).headline)
print("nonce:", id_token_from_another_flow(server).headline)

# %% [markdown]
# Without each check, the same attack gets through: the client that ignores `state`
# links alice's session to mallory's account, the client without PKCE redeems the
# intercepted code, and the client that does not compare the `nonce` signs mallory in
# as alice with alice's leaked ID token:

# %%
print("state:", callback_csrf(server, check_state=False).headline)
print("PKCE: ", intercept_code(server, pkce=False).headline)
print("nonce:", id_token_from_another_flow(server, naive=True).headline)

# %% [markdown]
# ## 3. userinfo
#
# The `profile` and `email` claims are not in this server's ID tokens: OIDC Core 5.4
# lets a provider return them from the UserInfo endpoint instead, with the access token
# (Core 5.3). The answer's `sub` MUST be the ID token's (Core 5.3.2): the access token
# could be another user's, swapped in, and `Flow.userinfo()` refuses it if it is not.

# %%
print(flow.userinfo())

# %% [markdown]
# ## 4. prompt
#
# `prompt` says whether the provider may, or must, talk to the user (Core 3.1.2.1):
# - `prompt=none`: never show a page; without a session the answer is
#   `error=login_required` (Core 3.1.2.6), and without consent, `consent_required`.
#   An app uses it to ask "is the user still signed in?" without disturbing them.
# - `prompt=login`: sign in again, even with a session (before a payment, say).
#
# A browser of its own, with no session at the provider, asks with `prompt=none`:

# %%
with target.flow(app) as fresh:
    fresh.authorize(scope="openid", prompt="none")
    print(fresh.open_authorization_page().location)

# %% [markdown]
# The flow's own browser has alice's session. With `prompt=none` there is still a page
# the server would have to show: alice approved this client once, not with *Approve
# Always*, so the consent page would ask again, and the answer is `consent_required`.
# With `prompt=login` the login page comes back, session or not:

# %%
flow.authorize(scope="openid profile email photos:read", prompt="none")
print(flow.open_authorization_page().describe())
flow.authorize(scope="openid profile email photos:read", prompt="login")
print(flow.open_authorization_page().describe())

# %% [markdown]
# ## 5. Attacks on a client that gets OpenID Connect wrong
#
# Each attack runs twice: against a **naive** client, the lab's code written to show
# the mistake (`naive_validate` checks only the signature, and trusts the token's own
# `alg`; `naive_userinfo_login` signs in whoever userinfo names), and against
# `check_id_token`. The naive parts are labelled as such in `codegrant_kit.lab.oidc`:
# never copy them.
#
# **An ID token sent to an API as if it were an access token** (section 1, as an attack):

# %%
from codegrant_kit.lab import id_token_at_api

print(id_token_at_api(server, naive_api=True).reason)
print(id_token_at_api(server).reason)

# %% [markdown]
# **An ID token from another client.** alice signs in at mallory's own app, a quiz
# registered at the same provider. mallory copies the `nonce` of her own session at the
# Photo Importer into her app's request, so the nonce check passes; the `aud` check is
# what stops her (Core 3.1.3.7 item 3):

# %%
from codegrant_kit.lab import id_token_from_another_client

print(id_token_from_another_client(server, naive=True).reason)
result = id_token_from_another_client(server)
print(result.reason)
print(result.evidence)

# %% [markdown]
# **`alg: none` and the RS256/HS256 key confusion.** mallory takes her own ID token,
# puts alice's `sub` in it (a `sub` is an identifier, not a secret) and signs it
# herself. With `alg: none` there is no signature at all. With `HS256` she computes an
# HMAC keyed with the provider's *public* key, which anyone downloads from `jwks_uri`:
# a validator that hands "the key" to a JWT library and lets the token's header pick
# the algorithm verifies the HMAC with that same public key, and it matches. Step by
# step:

# %%
from codegrant_kit.client import fetch_jwks
from codegrant_kit.lab import forge, naive_validate, signed_in

alice_sub = signed_in(target, app, "victim").claims["sub"]
own = signed_in(target, app, "attacker")
jwks = fetch_jwks(endpoints.jwks_uri)
forgery = forge({**own.claims, "sub": alice_sub}, "HS256", jwks)
print(forgery)
print(decode_jwt(forgery.token).header)

# %% [markdown]
# The naive validator takes it as alice's; `check_id_token` refuses it at its second
# step, before any key is used: the client, not the token, chooses the algorithm
# (RFC 8725 3.1).

# %%
from codegrant_kit.client import check_id_token

print("naive:", naive_validate(forgery.token, jwks)["sub"] == alice_sub)
check = check_id_token(forgery.token, issuer=server.url, client_id=app.client_id, jwks=jwks,
                       nonce=own.nonce)
print(check)

# %% [markdown]
# The lab's attacks run the same forgeries, `alg: none` too:

# %%
from codegrant_kit.lab import forged_alg_none, key_confusion

for attack in (forged_alg_none, key_confusion):
    print(attack(server, naive=True).reason)
    print(attack(server).reason)

# %% [markdown]
# **"OAuth 2.0 is not an authentication protocol"** ([oauth.net, "User Authentication
# with OAuth 2.0"](https://oauth.net/articles/authentication/), on access tokens taken
# as proof of authentication, and injected). A client that signs in whoever an access token belongs to (it asks userinfo,
# or an API's "who am I") has no way to know that the token was issued *to it*. alice
# signs in at mallory's quiz app, which gets an access token for alice; mallory hands
# that token to the Photo Importer's backend, which asks userinfo and signs her in as
# alice: the client is a confused deputy. A client that signs users in only on an ID
# token whose `aud` is its own `client_id` refuses the quiz app's:

# %%
from codegrant_kit.lab import oauth_as_login

print(oauth_as_login(server, id_token_check=False).reason)
print(oauth_as_login(server).reason)

# %% [markdown]
# ## 6. The checklist's OpenID Connect items
#
# `run_checklist` (notebook 07) checks the same things of any provider, from one
# sign-in each: the nonce comes back, the ID token is signed with a published key and
# not `none`, `aud` is the client_id, `at_hash` is right, `iss` is the discovery
# document's, userinfo's `sub` is the ID token's, and `prompt=none` without a session
# answers `login_required`. A provider that does not do OpenID Connect gets them
# skipped, saying so.

# %%
from codegrant_kit.lab import CHECKS, run_checklist

oidc_items = [check.key for check in CHECKS if check.key.startswith("oidc_")]
print(run_checklist(server, only=oidc_items))

# %% [markdown]
# ## 7. What WSO2 Identity Server 7 and Keycloak do by default
#
# **WSO2 Identity Server 7.** Its documentation says an ID token is "a signed JSON Web
# Token (JWT)" that "the client application uses ... to verify the identity of the
# authenticated user", and that ID tokens "are not intended to be sent to resource
# servers as authorization credentials"; its `aud` is "by default ... the client ID of
# the application", beside an `azp` with the same client ID, an `at_hash` binding it to
# the access token, and an `iss` that is "the token endpoint URL" (so the issuer a
# client compares is `https://<host>/oauth2/token`, not the host) ([ID
# tokens](https://is.docs.wso2.com/en/7.3.0/references/tokens/id-tokens/)). Its access
# tokens are either **opaque**, which the API must introspect, or **JWT**, chosen per
# application ([Access
# tokens](https://is.docs.wso2.com/en/7.3.0/references/tokens/access-tokens/); the
# application's Protocol tab, [OIDC settings for
# apps](https://is.docs.wso2.com/en/latest/references/app-settings/oidc-settings-for-app/)).
#
# **Keycloak.** Access tokens are JWTs, and by default they do *not* carry the client as
# an audience: "The frontend client itself is not automatically added to the access
# token audience, therefore allowing easy differentiation between the access token and
# the ID token". Services are added to the access token's `aud` by *Audience* mappers;
# "The ID Token typically contains only a single audience, the client ID for which the
# token was issued, a requirement of the OpenID Connect specification" ([Server
# Administration Guide, Audience
# support](https://www.keycloak.org/docs/latest/server_admin/#audience-support)). An API
# behind Keycloak should therefore check that its own client ID is in `aud`: an ID
# token, whose `aud` is the frontend client, then fails that check.
#
# The kit's presets (`wso2_identity_server()`, `keycloak(...)`, notebook 05) name both
# servers' userinfo endpoints and JWKS, so `check_id_token` and `userinfo` run against
# them as they run here.

# %%
server.stop()
