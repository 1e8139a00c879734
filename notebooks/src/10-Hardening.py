# %% [markdown]
# # Hardening the code flow: DPoP, PAR and friends
#
# **What you will learn**: the defences that servers such as Keycloak 26 and WSO2
# Identity Server 7 ship beyond RFC 6749, each built step by step, shown on the wire,
# and shown live with its attack, once with the defence off and once on:
# - **DPoP** (RFC 9449): an access token bound to the client's key, against a stolen token;
# - **PAR** (RFC 9126): the authorization request pushed first, against tampering in the browser;
# - **private_key_jwt** (RFC 7523): a signed client assertion, against audience injection;
# - **resource indicators** (RFC 8707) and **protected resource metadata** (RFC 9728):
#   a token for one API only, and how a client (an MCP client, say) finds the server;
# - **public clients** and **CORS**: browser apps without a secret;
# - the **OAuth 2.1** and **FAPI 2.0** profiles, which turn all of these into rules.
#
# As in notebook 07, each lab server has a seed and a clock that stands still, so every
# run shows the same values; a server with a **lab switch** turns off exactly one
# defence and says so. The cast: **alice**, the victim, and **mallory**, the attacker.

# %%
from codegrant_kit.lab import LabServer, stop_all

servers = []


def lab(*switches, **options):
    """A lab server with these switches on; the seed keeps this notebook's outputs stable."""
    servers.append(LabServer(*switches, seed="tutorial-10", **options))
    return servers[-1]


safe = lab()
target = safe.target
app = target.register("Photo Importer")
safe

# %% [markdown]
# ## 1. DPoP: a token that only its client can use
#
# A bearer token works for whoever holds it. With DPoP (RFC 9449) the client makes a key
# pair of its own, and signs a short JWT, the **proof**, for every request: the token
# request, then every API call. The server binds the access token to the key's
# **thumbprint** (RFC 7638), and the API wants a fresh proof of that key each time.
#
# The key first. Its public half goes into every proof as a JWK; its thumbprint is the
# SHA-256 of the JWK's required members, in a fixed order, base64url-encoded:

# %%
from codegrant_kit.client import DpopKey, jwk_thumbprint

key = DpopKey.generate(target.clock, target.token_factory)
print(key.public_jwk)
print(jwk_thumbprint(key.public_jwk))

# %% [markdown]
# The proof for the token request: a header (`typ: dpop+jwt`, the algorithm, the public
# key) and claims that pin it to this one request (`htm`, `htu`), to now (`iat`), and
# make it single-use (`jti`). Each value, and where RFC 9449 asks for it:

# %%
endpoints = target.endpoints()
proof = key.proof_steps("POST", endpoints.token_endpoint)
for note in proof.explain():
    print(f"{note.parameter:5} {note.value[:64]:66} {note.purpose} ({note.section})")

# %% [markdown]
# A flow with `dpop=True` sends such a proof with its token request. The server answers
# `token_type: DPoP`, and the token is bound to the key (`cnf.jkt` in introspection):

# %%
flow = target.flow(app, dpop=True)
flow.run_front_channel("alice", "sunshine", scope="photos:read")
tokens = flow.exchange_code()
print(tokens.token_type, tokens.dpop_bound)
tokens_jkt = flow.introspect().raw["cnf"]["jkt"]
print(tokens_jkt, tokens_jkt == flow.dpop_key.thumbprint)

# %% [markdown]
# At the API the proof also carries `ath`, the SHA-256 of the access token: a proof made
# for one token is worth nothing with another. On the wire, the call is
# `Authorization: DPoP <token>` with its `DPoP` header:

# %%
answer = flow.call_api()
print(flow.transcript.last.raw_request())
print(flow.transcript.last.raw_response(headers=["content-type", "cache-control"]))

# %% [markdown]
# The `DPoP` header above, decoded: this request's method and URL, and `ath`, which is
# base64url(SHA-256(access token)), as the client layer computes it:

# %%
from codegrant_kit.client import decode_proof
from codegrant_kit.client.dpop import access_token_hash

sent = decode_proof(flow.transcript.last.request.headers["dpop"])
print(sent.claims)
print(sent.claims["ath"] == access_token_hash(tokens.access_token), sent.thumbprint == tokens_jkt)

# %% [markdown]
# **The attack**: the access token leaks (a log, a proxy, malware), and mallory replays
# it from her machine, first as a bearer token, then with a proof of her own key. On a
# server with the lab switch `no_dpop`, which ignores DPoP, the token is a bearer token
# and she gets alice's photos; with DPoP on, both replays are refused:

# %%
from codegrant_kit.lab import stolen_token_replay

print(stolen_token_replay(lab("no_dpop")).what_happened)
print(stolen_token_replay(safe).what_happened)

# %% [markdown]
# ## 2. PAR: the request pushed first
#
# The authorization request travels through the browser, where anything can rewrite
# it: an extension, malware, the user. With **pushed authorization requests**
# (RFC 9126) the client POSTs the request to the server first, authenticated as at the
# token endpoint, and gets back a `request_uri`; the browser then carries only the
# `client_id` and that `request_uri`.

# %%
par_flow = target.flow(app)
par_flow.authorize(scope="photos:read")
pushed = par_flow.push_authorization_request()
print(par_flow.transcript.last.raw_request())
print(par_flow.transcript.last.raw_response(headers=["content-type", "cache-control"]))

# %% [markdown]
# The `request_uri` works once, for this client, for `expires_in` seconds. The URL the
# browser opens:

# %%
print(pushed.request_uri, pushed.expires_in)
print(par_flow.open_url())

# %% [markdown]
# **The attack**: the client asks for `photos:read` only; an extension in alice's
# browser adds a wider scope to the URL. Without PAR the server grants what the browser
# wrote. With PAR the scope beside the `request_uri` is ignored (RFC 9126 4), and a
# server that requires PAR (`require_pushed_authorization_requests`, which the FAPI 2.0
# profile of section 6 sets) refuses a request that was not pushed:

# %%
from codegrant_kit.lab import tamper_front_channel

par_only = lab(require_pushed_authorization_requests=True)
print(tamper_front_channel(safe).reason)
print(tamper_front_channel(safe, par=True).reason)
print(tamper_front_channel(par_only).reason)

# %% [markdown]
# ## 3. private_key_jwt: the client signs, it sends no secret
#
# A client secret is a password: whoever reads it (a log, a proxy) can use it. With
# `private_key_jwt` (RFC 7523) the client registers a public key, and authenticates
# with a short JWT signed by its private key, the **client assertion**. The key (here
# drawn from the notebook's seeded source), registered by its public half:

# %%
from codegrant_kit.client import register_client
from codegrant_kit.client.client_assertion import assertion_steps, public_jwks

client_key = DpopKey.generate(target.clock, target.token_factory).private_key
signed_app = register_client(endpoints, client_name="Photo Importer (signed)",
                             redirect_uris=[target.redirect_uri], scope="photos:read",
                             token_endpoint_auth_method="private_key_jwt",
                             jwks=public_jwks(client_key))
print(signed_app.client_id, public_jwks(client_key))

# %% [markdown]
# The assertion, step by step. Its `aud` is the server's **issuer identifier**, one
# string, and nothing else: the rule of the RFC 7523 update
# (draft-ietf-oauth-rfc7523bis 4), written after the 2025 audience-injection research.

# %%
steps = assertion_steps(client_key, signed_app.client_id, endpoints.issuer,
                        clock=target.clock, jti=target.token_factory(16))
print(steps.header)
print(steps.claims)
print("\n".join(steps.explained))

# %% [markdown]
# On the wire: the token request carries the assertion in place of a secret, and no
# `Authorization` header at all (RFC 7523 2.2):

# %%
signed_flow = target.flow(signed_app)
signed_flow.client_key = client_key
signed_flow.run_front_channel("alice", "sunshine", scope="photos:read")
print(signed_flow.exchange_code().token_type)
print(signed_flow.transcript.last.raw_request())

# %% [markdown]
# **The attack**: RFC 7523 let a server take its token endpoint URL as the `aud`. A
# client that talks to two servers, one of them mallory's, signs an assertion for
# mallory's server with the `aud` her metadata names: the honest server's token
# endpoint URL. She replays it at the honest server, as the client. The lab switch
# `legacy_assertion_audience` takes those old audiences; the kit's default takes the
# issuer only:

# %%
from codegrant_kit.lab import audience_injection

print(audience_injection(lab("legacy_assertion_audience")).reason)
print(audience_injection(safe).reason)

# %% [markdown]
# ## 4. A token for one API only, and how a client finds its server
#
# An API says where its authorization server is: its **protected resource metadata**
# (RFC 9728), at a well-known URL built from the API's own, and named in every 401 it
# sends (`resource_metadata`). This is how MCP clients find their server: an MCP server
# is a protected resource, and an MCP client that knows only its URL calls it, reads
# the 401, fetches the metadata, and from it the authorization server's.

# %%
import httpx

print(httpx.get(target.api_url).headers["www-authenticate"])
print(httpx.get(safe.url + "/.well-known/oauth-protected-resource/api/photos").json())

# %% [markdown]
# The client layer does those steps in one call:

# %%
from codegrant_kit.client import find_protected_resource

found = find_protected_resource(target.api_url)
print(found.resource, found.authorization_servers)

# %% [markdown]
# With `resource=` in the authorization and token requests (RFC 8707), the access token
# is for that API only (its `aud`). **The attack**: a token issued for the calendar API
# is replayed at the photos API. With the lab switch `audience_unchecked` the photos
# API takes it; by default it refuses a token for another API:

# %%
from codegrant_kit.lab import audience_replay

print(audience_replay(lab("audience_unchecked")).reason)
print(audience_replay(safe).reason)

# %% [markdown]
# ## 5. Public clients and browser apps
#
# A single-page app cannot keep a secret: its code is in every user's browser. It
# registers as a **public client** (`token_endpoint_auth_method: none`) and must use
# PKCE, the only proof that whoever redeems a code is who asked for it (RFC 9700
# 2.1.1). Its page calls the token endpoint with `fetch`, so the server must allow its
# origin by CORS, and only its origin. The kit serves such an app at `/spa/` (it keeps
# its tokens in memory, not in `localStorage`, and says why). Each defence off, then on:

# %%
from codegrant_kit.lab import cors_any_origin, public_client_without_pkce

print(public_client_without_pkce(lab("public_client_no_pkce")).reason)
print(public_client_without_pkce(safe).reason)
print(cors_any_origin(lab("cors_any_origin")).reason)
print(cors_any_origin(safe).reason)

# %% [markdown]
# ## 6. The OAuth 2.1 and FAPI 2.0 profiles
#
# Everything above is optional for a client of the kit's default server: a client may
# skip PKCE (if it is confidential), DPoP, PAR, and send its secret in the body. A
# **profile** turns these defences into rules for every client (the opposite of a lab
# switch: `codegrant-kit serve --profile oauth2.1` or `--profile fapi2`, or
# `profile=` here):
#
# | | OAuth 2.1 (draft-ietf-oauth-v2-1) | FAPI 2.0 Security Profile (5.3.2) |
# |---|---|---|
# | PKCE, S256 | every client | every client |
# | PAR | optional | required |
# | sender-constrained tokens | optional (refresh tokens of public clients rotated) | DPoP (or MTLS) on every token request |
# | client authentication | no `client_secret_post` | `private_key_jwt` (or MTLS) only: no secrets, no public clients |
# | codes | single use | single use, 60 seconds at most |
#
# The kit leaves MTLS out (a notebook has no client certificate); `server/profiles.py`
# names each rule's clause, and the clauses it does not enforce, with the reason. A
# profile is loud: its server prints one line saying what it requires, every page shows
# it, and the metadata lists it:

# %%
oauth21, fapi2 = lab(profile="oauth2.1"), lab(profile="fapi2")
metadata = httpx.get(fapi2.url + "/.well-known/oauth-authorization-server").json()
print(metadata["codegrant_kit_profile"]["requires"])
print(metadata["token_endpoint_auth_methods_supported"],
      metadata["require_pushed_authorization_requests"])

# %% [markdown]
# `probe_requirements` asks a server each requirement with a request that leaves it
# out, and shows the answer: the default server, then each profile.

# %%
from codegrant_kit.lab import probe_requirements

for server in (safe, oauth21, fapi2):
    print(server.config.profile or "no profile")
    for probe in probe_requirements(server):
        print("  ", probe)

# %% [markdown]
# ## 7. What Keycloak 26 and WSO2 Identity Server 7 turn on by default
#
# Neither turns these profiles on for you; both ship them, to be switched on per client.
#
# **Keycloak.** OAuth 2.1 comes as two global *client profiles*, available in every
# realm, `oauth-2-1-for-confidential-client` and `oauth-2-1-for-public-client`, which
# an administrator links to clients through *client policies*; with the public-client
# profile the guide recommends DPoP, which binds the access and refresh tokens to the
# client's key ([Securing applications, OAuth 2.1
# support](https://docs.redhat.com/zh-cn/documentation/red_hat_build_of_keycloak/26.2/html/securing_applications_and_services_guide/oidc-layers-_oauth21-support)).
# FAPI is the same: profiles `fapi-2-security-profile` and `fapi-2-message-signing`, to
# link to clients by policy ([FAPI
# support](https://forge.libre.sh/libre.sh/keycloak-scim/blame/commit/8bbae59b608b9c0277ebdae9fbe756fc90856c2d/docs/guides/securing-apps/partials/oidc/fapi-support.adoc),
# a copy of the Keycloak documentation's source). Its DPoP guide says where DPoP pays:
# public clients, browser apps, high-security APIs ([Securing applications with
# DPoP](https://www.keycloak.org/securing-apps/dpop)).
#
# **WSO2 Identity Server 7.** DPoP is chosen per application: in the application's
# *Protocol* tab, *Access Token*, token binding type *DPoP*; the token response then
# says `token_type: DPoP` ([Demonstrating Proof of
# Possession](https://is.docs.wso2.com/en/next/references/token-binding/dpop/)). PAR is
# at `/oauth2/par`, which "inherits the client authentication rules that are defined
# for the /token endpoint"; its guide pushes a request with a Basic client secret
# ([Implement login using
# PAR](https://is.docs.wso2.com/en/latest/guides/authentication/oidc/implement-login-with-par/)).
#
# So on both, as on the kit's default server, a client that does not ask for a defence
# does not get it, and the checklist of notebook 07 shows which ones a server enforces.

# %%
stop_all(servers)
