# %% [markdown]
# # The Authorization Code Grant of the WSO2 guide, step by step
#
# **What you will learn**
# - each step of the WSO2 API Manager guide "Authorization Code Grant", done for real;
# - what every request and response looks like on the wire, in the guide's own format;
# - how to read the guide's examples critically: it has a mistake in it.
#
# Each step comes twice: first as a **panel** you click, then as **plain code** with
# `codegrant_kit.client`, the functions the panels call. The panels share one flow;
# the code cells make their own, so they run whether or not you clicked. The steps
# are numbered as the panels number them.
#
# ## Step 1. The authorization server
#
# One cell starts it in the kernel's background: the guide's API Manager, here.

# %%
from codegrant_kit import ServerConfig, start_server
from codegrant_kit.client import seeded_token_factory
from codegrant_kit.panels import FlowState
from codegrant_kit.server import SeededRandomness

server = start_server(config=ServerConfig(randomness=SeededRandomness("tutorial-02")))
state = FlowState(token_factory=seeded_token_factory("tutorial-02-panels"))
state.use_server(server)
CALLBACK = "https://client.example.com/cb"  # the guide's callback URL
server

# %% [markdown]
# ## Step 2. Create an application and generate keys
#
# In the Developer Portal you create an application, open *Production Keys*, enter the
# **Callback URL**, tick the **Code** grant and click **GENERATE KEYS**. As the guide
# notes, the Code checkbox stays disabled until a callback URL is entered: a code is
# delivered by redirecting the browser to that URL, so without one there is nowhere to
# send it. The portal gives back a **consumer key** (the `client_id`) and a **consumer
# secret** (the `client_secret`). The panel's callback URL starts as the kit's own
# callback page, which loads in your browser; the guide's `https://client.example.com/cb`
# is one click away, but no page answers there: its address bar then holds the code.

# %%
from codegrant_kit.panels import PortalPanel

PortalPanel(state)

# %% [markdown]
# In code, the same is one dynamic client registration request (RFC 7591):

# %%
from codegrant_kit.client import Flow, Transcript, discover, register_client

transcript = Transcript()  # records every exchange of the code cells below
http = transcript.http_client("Client")
endpoints = discover(server.url, http=http)
app = register_client(endpoints, client_name="Playground", redirect_uris=[CALLBACK],
                      scope="PRODUCTION", http=http)
print("consumer key:   ", app.consumer_key)
print("consumer secret:", app.consumer_secret)

# %% [markdown]
# ## Step 3. Send the user to `/authorize`
#
# The client sends the browser to the authorization endpoint with `response_type=code`,
# its `client_id`, the `scope` (`PRODUCTION` in the guide), the `redirect_uri` and,
# beyond the guide, a `state` (RFC 6749 10.12 wants it against CSRF).

# %%
from codegrant_kit.panels import AuthorizePanel

AuthorizePanel(state)

# %%
from codegrant_kit.client import AuthorizationRequest

request = AuthorizationRequest.build(
    endpoints.authorization_endpoint, app.client_id, CALLBACK,
    scope="PRODUCTION", token_factory=seeded_token_factory("tutorial-02"),
)
print(request.url)

# %% [markdown]
# ## Step 4. Sign in, then Approve Once, Approve Always or Deny
#
# The authorization server, not the client, asks for the password. A wrong password
# shows the login page again with WSO2's retry message; the right one shows the
# consent page. **Approve Once** asks again next time; **Approve Always** remembers
# the answer for this user, application and scope.

# %%
from codegrant_kit.panels import LoginPanel

LoginPanel(state)

# %% [markdown]
# In code, a small simulated browser fetches the pages and submits their real forms,
# keeping cookies as a browser does:

# %%
from codegrant_kit.client import Browser

browser = Browser(transcript.http_client("Browser"), stop_at=CALLBACK)
print(browser.open(request.url).describe())
print(browser.login("admin", "not-the-password").describe())
print(browser.login("admin", "admin").describe())

# %%
page = browser.consent("approve")
print(page.status, page.reason)
print("Location:", page.location)

# %% [markdown]
# ## Step 5. The redirect with the code
#
# This is the guide's `HTTP/1.1 302 Found`. The browser follows the `Location` to the
# client's callback, carrying the **code**, the `state` it was given, and `iss`, the
# issuer (RFC 9207). The client checks both before using the code.
#
# **Why a code, and not the token?** Everything in this redirect travels through the
# browser, the *front channel*: the `Location` URL lands in the browser's history, its
# extensions can read it, a proxy or the client's web server may log it, and on a
# phone any app that claims the same custom URL scheme can receive it. So the server
# puts there only a code that is worth little on its own: it works once (RFC 6749
# 4.1.2), for 300 s on this server, and only for the client it was issued to, which
# must authenticate with its secret (and, with PKCE, show its verifier: notebook 04).
# The tokens come on the *back channel*, in step 6: a direct request from the client to
# the token endpoint, answered in the body of the response, not in a URL, with
# `Cache-Control: no-store`. The user's browser takes no part in it. (Notebook 03 shows
# what became of the implicit grant, which sent the token in the redirect.)

# %%
from codegrant_kit.panels import RedirectPanel

RedirectPanel(state)

# %%
from codegrant_kit.client import parse_redirect

answer = parse_redirect(page.location, expected_state=request.state,
                        expected_issuer=endpoints.issuer, redirect_uri=CALLBACK, iss_required=True)
answer.code, answer.checks

# %% [markdown]
# ## Step 6. Trade the code for tokens at `/token`
#
# The client authenticates with **HTTP Basic**: consumer key and secret, each
# form-encoded (RFC 6749 2.3.1), joined by `:`, base64-encoded. The body repeats the
# `redirect_uri`, which must be the one the code was issued for.

# %%
from codegrant_kit.panels import TokenPanel

TokenPanel(state)

# %%
from codegrant_kit.client import BasicAuthSteps

for step in BasicAuthSteps(app.client_id, app.client_secret).explain():
    print(f"{step.parameter:22} {step.value}")

# %%
from codegrant_kit.client import send_token_request, token_request

tokens = send_token_request(token_request(endpoints, app, code=answer.code, redirect_uri=CALLBACK), http=http)
print(transcript.last.raw_request(headers=["Host", "Authorization", "Content-Type"]))

# %%
print(transcript.last.raw_response(headers=["Content-Type", "Cache-Control"]))

# %% [markdown]
# ## Step 7. Import the photos
#
# The playground's "Import Photos" is a call to the photos API with
# `Authorization: Bearer <access_token>` (RFC 6750).

# %%
from codegrant_kit.panels import ApiPanel

ApiPanel(state)

# %%
from codegrant_kit.client import call_api

photos = call_api(server.url + "/api/photos", tokens.access_token, http=http).json()
[(p["id"], p["title"]) for p in photos["photos"]]

# %% [markdown]
# ## Spot the mistake in the guide
#
# The guide's authorize request uses `client_id=wU62DjlyDBnq87GlBwplfqvmAbAa`. Its token
# request sends `Authorization: Basic SVpzSWk2...`. Decode that header:

# %%
from codegrant_kit.client import decode_basic

seed = decode_basic("Basic SVpzSWk2SERiQjVlOFZLZFpBblVpX2ZaM2Y4YTpHbTBiSjZvV1Y4ZkM1T1FMTGxDNmpzbEFDVzhh")
seed.client_id, seed.client_id == "wU62DjlyDBnq87GlBwplfqvmAbAa"

# %% [markdown]
# The header authenticates a *different* application than the one the code was issued
# to. A code is bound to its client (RFC 6749 4.1.3), so a correct server refuses.
# Try it: a second application redeems a code issued to the first.

# %%
from codegrant_kit.client import OAuthResponseError

other = register_client(endpoints, client_name="Another app", redirect_uris=[CALLBACK])
with Flow(endpoints, application=app, redirect_uri=CALLBACK, scope="PRODUCTION",
          token_factory=seeded_token_factory("tutorial-02-slip")) as flow:
    flow.authorize(pkce=False)
    flow.open_authorization_page()
    flow.login("admin", "admin")
    flow.consent("approve")
    code = flow.receive_redirect().code
try:
    send_token_request(token_request(endpoints, other, code=code, redirect_uri=CALLBACK))
except OAuthResponseError as error:
    print(error.status, error.error, "-", error.error_description)
    print(error.explanation.fix)

# %% [markdown]
# ## What went over the wire
#
# Every request the code cells of steps 2 to 7 made, as a sequence diagram of the
# traffic that really happened (the panels keep their own, in the wizard's transcript):

# %%
from IPython.display import Markdown

Markdown(transcript.markdown())
