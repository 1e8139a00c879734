# %% [markdown]
# # Under the hood: the flow with raw httpx, and what each rule protects against
#
# **What you will learn**
# - every request of the code flow, written by hand with `httpx`, byte for byte;
# - what the authorization server checks at each step, and the attack each check stops;
# - how to read an OAuth error response.
#
# No panels here: just HTTP. We start a fresh server for this notebook.

# %%
import base64
import re
from urllib.parse import parse_qs, urlsplit

import httpx

from codegrant_kit import ServerConfig, start_server
from codegrant_kit.server import SeededRandomness

server = start_server(config=ServerConfig(randomness=SeededRandomness("tutorial-03")))
http = httpx.Client(base_url=server.url)  # keeps cookies, like a browser
server.url

# %% [markdown]
# ## 1. Register an application (RFC 7591)
#
# The Developer Portal's "create application, generate keys" is one JSON `POST`.
# Without a callback URL there is no Code grant: the server refuses.

# %%
r = http.post("/register", json={"client_name": "Playground", "grant_types": ["authorization_code"]})
r.status_code, r.json()

# %%
CALLBACK = "https://client.example.com/cb"
r = http.post("/register", json={"client_name": "Playground", "redirect_uris": [CALLBACK]})
app = r.json()
KEY, SECRET = app["client_id"], app["client_secret"]
r.status_code, KEY, SECRET

# %% [markdown]
# ## 2. The authorization request (RFC 6749 4.1.1)
#
# `state` is a value only this client knows; the server sends it back untouched, and
# the client refuses any redirect whose `state` it did not send (that stops CSRF on
# the callback, RFC 6749 10.12).

# %%
STATE = "af0ifjsldkj"
params = {"response_type": "code", "client_id": KEY, "scope": "PRODUCTION",
          "redirect_uri": CALLBACK, "state": STATE}
r = http.get("/authorize", params=params)
print(r.request.method, r.request.url.raw_path.decode(), "HTTP/1.1")
print(r.status_code, r.headers["content-type"])

# %% [markdown]
# The answer is a login page. Its form carries two hidden inputs that the browser
# sends back unchanged: `sessionDataKey` (as in WSO2) names this pending request, and
# `csrf_token`, together with a cookie, proves that the form is posted by the
# browser that opened it (that stops login CSRF).

# %%
hidden = dict(re.findall(r'name="(sessionDataKey|csrf_token)" value="([^"]+)"', r.text))
sorted(hidden)

# %% [markdown]
# ### A redirect URI that is not registered gets an error page, never a redirect
#
# If the server redirected to any `redirect_uri` it was given, an attacker could have
# codes sent to their own site (RFC 9700 4.1), and the server would be an open
# redirector besides (RFC 9700 4.11.2). The match is exact, character by character:
# here only a trailing slash differs (notebook 08 tries a port and `localhost` too).

# %%
r = http.get("/authorize", params={**params, "redirect_uri": CALLBACK + "/"})
r.status_code, "location" in r.headers, re.search(r"<h1>(.*?)</h1>", r.text).group(1)

# %% [markdown]
# Other mistakes (an unknown scope, say) go back to the client, in the redirect:

# %%
r = http.get("/authorize", params={**params, "scope": "ADMIN"})
r.status_code, parse_qs(urlsplit(r.headers["location"]).query)["error"]

# %% [markdown]
# ### Why `response_type=token` is refused: the implicit grant
#
# RFC 6749 4.2 also defined the *implicit grant*: with `response_type=token` the server
# put the access token itself in the redirect (in its fragment), for browser apps of
# the time that could not send a request to another site's token endpoint. The token
# then travelled the front channel (notebook 02, step 5): it could leak through an
# unchecked redirect URI, the Referer header or the browser history, and an attacker
# could slip a stolen token into a client, which cannot tell whose token it received
# (RFC 9700 4.1, 4.2, 4.3, 4.6). No client secret and no PKCE protects it: there is no
# token request. RFC 9700 2.1.2 says clients SHOULD NOT use the implicit grant, or any
# response type that issues access tokens in the authorization response, and SHOULD
# use the code grant instead; OAuth 2.1 (draft-ietf-oauth-v2-1) leaves it out. A
# browser app today sends the token request itself (CORS lets it), with PKCE. This
# server supports `code` only, and says so in the redirect:

# %%
r = http.get("/authorize", params={**params, "response_type": "token"})
r.status_code, parse_qs(urlsplit(r.headers["location"]).query)["error"]

# %% [markdown]
# ## 3. Sign in and give consent
#
# A wrong password gives the login page again (WSO2's retry) and no code.

# %%
r = http.post("/authorize", data={**hidden, "username": "admin", "password": "wrong"})
r.status_code, "Login failed" in r.text

# %%
r = http.post("/authorize", data={**hidden, "username": "admin", "password": "admin"})
r.status_code, re.findall(r'name="consent" value="(\w+)"', r.text)

# %% [markdown]
# ## 4. The redirect with the code (RFC 6749 4.1.2, RFC 9207)

# %%
r = http.post("/authorize", data={**hidden, "consent": "approve"})
print("HTTP/1.1", r.status_code, r.reason_phrase)
print("Location:", r.headers["location"])

# %%
answer = {k: v[0] for k, v in parse_qs(urlsplit(r.headers["location"]).query).items()}
assert answer["state"] == STATE, "not our request: drop it"
assert answer["iss"] == server.url, "not our server: a mix-up attack (RFC 9207)"
code = answer["code"]
code

# %% [markdown]
# ## 5. The token request (RFC 6749 4.1.3, 2.3.1)
#
# The client authenticates with HTTP Basic: the key and secret are form-encoded,
# joined by `:`, and base64-encoded (these keys hold only letters, digits, `-` and `_`,
# which the form-encoding leaves alone; notebook 08 shows a secret where it matters).
#
# **Why TLS is required.** Base64 is an encoding, not encryption: anyone who sees this
# header has the secret, and anyone who sees the response has the tokens; the login
# form sends the user's password in clear too. So RFC 6749 3.1 and 3.2 say the server
# MUST require TLS at the authorization and token endpoints, and 10.9 adds that the
# client MUST check the server's certificate: without that check, whoever intercepts
# the connection can pose as the server and collect the secret, the password and the
# codes. The WSO2 guide, too, has its client send the request "using TLS", in the
# words of RFC 6749's own examples. This notebook's server speaks plain `http`, which
# is safe only because it listens on `127.0.0.1`, where the traffic never leaves this
# machine. For a classroom, `codegrant-kit serve --tls` (or `start_server(tls=True)`) serves `https`
# with a small certificate authority of its own, which the learners trust by passing
# its `ca.pem` as `verify` (notebook 05); never `verify=False`.

# %%
basic = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
request = http.build_request(
    "POST", "/token",
    headers={"Authorization": f"Basic {basic}"},
    data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
)
print(f"POST /token HTTP/1.1\nHost: {request.url.netloc.decode()}")
print(f"Authorization: {request.headers['authorization']}")
print(f"Content-Type: {request.headers['content-type']}\n")
print(request.content.decode())

# %%
r = http.send(request)
tokens = r.json()
r.status_code, r.headers["cache-control"], tokens

# %% [markdown]
# ## 6. Call the API with the token (RFC 6750)

# %%
r = http.get("/api/photos", headers={"Authorization": f"Bearer {tokens['access_token']}"})
[photo["title"] for photo in r.json()["photos"]]

# %% [markdown]
# ## What each rule protects against, tried live
#
# **A code works once.** Sent a second time, here by the client itself with its own
# secret, the code gets `invalid_grant`, and the server revokes the tokens it first
# gave (RFC 6749 4.1.2): a replay kills the session it came from, so a theft is
# noticed. A thief who copied the code from the browser's history but has no client
# secret is stopped even earlier, with `401 invalid_client` (RFC 6749 2.3.1).

# %%
r = http.send(http.build_request(
    "POST", "/token", headers={"Authorization": f"Basic {basic}"},
    data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}))
r.status_code, r.json()["error"]

# %%
http.get("/api/photos", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code

# %% [markdown]
# **Client secrets are checked.** A wrong secret is `401 invalid_client` with a
# `WWW-Authenticate` header (RFC 6749 5.2), whatever the code.

# %%
wrong = base64.b64encode(f"{KEY}:not-the-secret".encode()).decode()
r = http.post("/token", headers={"Authorization": f"Basic {wrong}"},
              data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK})
r.status_code, r.headers["www-authenticate"], r.json()["error"]

# %% [markdown]
# **Parameters appear once.** A request that repeats a parameter is ambiguous, so
# RFC 6749 3.2 forbids it:

# %%
r = http.post("/token", headers={"Authorization": f"Basic {basic}",
                                  "Content-Type": "application/x-www-form-urlencoded"},
              content=f"grant_type=authorization_code&code={code}&code=other")
r.status_code, r.json()

# %% [markdown]
# | rule | RFC | what it stops |
# |---|---|---|
# | exact redirect URI match, no redirect on a bad one | 6749 3.1.2, 9700 4.1 | codes sent to an attacker's site |
# | `state` sent back and checked | 6749 10.12 | CSRF on the callback: a victim logged into the attacker's account |
# | CSRF token and cookie on the login and consent forms | 6749 10.12 | login CSRF, forged consent |
# | single-use codes, replay revokes | 6749 4.1.2 | stolen codes |
# | code bound to client and redirect URI | 6749 4.1.3 | a code stolen by another client |
# | PKCE (notebook 04) | 7636 | code interception by a malicious app |
# | `iss` in the redirect | 9207 | mix-up between two authorization servers |
# | `Cache-Control: no-store` | 6749 5.1 | tokens kept in caches |
# | `Referrer-Policy: no-referrer` | 9700 4.2.4 | the authorization request, its `state` with it, leaking from the login and consent pages in the Referer header |

# %%
http.close()
