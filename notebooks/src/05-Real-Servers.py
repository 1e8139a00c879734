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
