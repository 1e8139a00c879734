# %% [markdown]
# # Security lab: attacks on the code flow, run live, and the defences that stop them
#
# **What you will learn**
# - eight families of attacks on the authorization code flow, each as the attacker's
#   steps in code, sent as real requests to a real server;
# - the one defence that stops each attack, and where it is written down (RFC 9700, the
#   OAuth 2.0 Security Best Current Practice, and RFC 6749 Section 10);
# - what to look for in a request, a response or a header to tell a safe server from
#   an unsafe one;
# - how to check any server, ours or a real one, against the whole list.
#
# Each section runs its attack twice: against `safe`, a server with every defence on,
# where it must fail, and against a server with **one lab switch** on, which turns off
# exactly that defence, where it succeeds. The cast: **alice**, the victim, and
# **mallory**, the attacker, who has an account of her own on the same server.

# %%
import httpx

from codegrant_kit.lab import (
    LabServer, callback_csrf, clickjack, consent_upgrade, guess_client_secret, guess_password,
    intercept_code, late_code, login_csrf, mix_up, open_redirector, pkce_downgrade,
    referrer_leak, regexp_redirect, replay_code, run_checklist, stop_all, token_in_url,
)
from codegrant_kit.exercises import check

servers = []


def lab(*switches, **options):
    """A lab server with these switches on; the seed keeps this notebook's outputs stable."""
    servers.append(LabServer(*switches, seed="tutorial-07", **options))
    return servers[-1]


safe = lab()
safe

# %% [markdown]
# A switch is impossible to miss: the cell that turns it on prints a warning (the
# same line `codegrant-kit serve --lab` logs), every page the server serves carries a
# red banner naming the switch, and its metadata lists it.

# %%
broken = lab("code_replay")
metadata = httpx.get(broken.url + "/.well-known/oauth-authorization-server").json()
metadata["codegrant_kit_lab_switches"], "LAB SERVER" in httpx.get(broken.url).text

# %% [markdown]
# Every switch, the defence it turns off, the attacks below that it lets through and
# its item in the checklist at the end. The table is read from where each switch is
# declared, once (`codegrant_kit.server.switches`), and where each attack names its
# switch (`@attack_on`).

# %%
from IPython.display import Markdown

from codegrant_kit.lab import switch_table

Markdown(switch_table())

# %% [markdown]
# ## 1. Code replay (RFC 6749 4.1.2, RFC 9700 4.2.4)
#
# **The attacker's steps**: alice's client redeems its code as usual; mallory, who can
# read a proxy's log, sends the very same token request again.
#
# **Look for**: the answer to the replay, and what happens to *alice's* token. A code
# works once, and a server that sees it twice revokes what the code gave the first
# time, so the theft shows instead of passing silently.

# %%
replay_code(safe)

# %%
replay_code(broken)

# %% [markdown]
# **Exercise.** Suppose mallory is faster: she redeems the stolen code *before* alice's
# client does, and alice's client is refused. Is mallory's access token then `"active"`
# or `"inactive"`? (`check` finds out on a fresh server.)

# %%
answer = ...  # "active" or "inactive"
check("replay-first", answer)

# %% [markdown]
# ## 2. Redirect URI manipulation and the open redirector (RFC 9700 2.1, 4.1, 4.11.2)
#
# WSO2 lets a developer register a callback as a regular expression,
# `regexp=https://client.example.com.*`. Every `.` there matches any character, and
# `.*` anything at all, so `https://client.example.com.evil.test/cb` (a host anyone can
# buy) matches too.
#
# **The attacker's steps**: send alice a link with the client's real `client_id` and
# `redirect_uri=https://client.example.com.evil.test/cb`; if she signs in, her code
# goes to the attacker's host. **Look for**: where the last redirect goes.

# %%
regexp_redirect(safe)

# %%
regexp_redirect(lab("regexp_redirect_uris"))

# %% [markdown]
# A server that redirects to a `redirect_uri` it does not know is an *open redirector*:
# a link that starts at the trusted server ends on a phishing page.

# %%
open_redirector(safe)

# %%
open_redirector(lab("open_redirect"))

# %% [markdown]
# **Exercise.** If you must write a pattern, write a tight one: give a regular
# expression (without `regexp=`) that matches `https://client.example.com/cb` and none
# of seven look-alikes.

# %%
pattern = "https://client.example.com.*"  # tighten it
check("tight-pattern", pattern)

# %% [markdown]
# ## 3. CSRF on the callback, and login CSRF (RFC 9700 2.1, 4.7; RFC 6749 10.12)
#
# **CSRF on the callback**, stopped by the *client*: mallory signs in with her own
# account, keeps the callback URL with her code instead of following it, and gets
# alice's browser to load it. A client that takes any code that reaches its redirect
# URI links alice's session to mallory's account: whatever alice imports lands with
# mallory. **Look for**: whose account the session ends up on.

# %%
callback_csrf(safe)  # the client layer's parse_redirect checks state

# %%
callback_csrf(safe, check_state=False)  # a naive client: no state check, no PKCE

# %% [markdown]
# **Login CSRF**, stopped by the *server*: mallory copies the login form, hidden fields
# and all, and a page alice visits posts it with mallory's username and password.

# %%
login_csrf(safe)

# %%
login_csrf(lab("login_csrf"))

# %% [markdown]
# **Exercise.** The forged form carries `sessionDataKey` and `csrf_token`, copied from
# mallory's own login page. Which one piece can the attacker's page *not* supply?

# %%
answer = "sessionDataKey"  # or "csrf_token", or "cookie"?
check("login-csrf-piece", answer)

# %% [markdown]
# ## 4. Code interception and PKCE; the PKCE downgrade (RFC 9700 4.5, 4.8; RFC 7636)
#
# **The attacker's steps**: a malicious app registered for the same redirect URI (a
# custom scheme on a phone) receives alice's callback first. Mallory cannot redeem
# the code herself without the client's secret, so she *injects* it into her own
# session at the honest client, which redeems it for her. **Look for**: the token
# endpoint's answer. With PKCE the code is bound to alice's `code_challenge`, and
# mallory's session sends a different `code_verifier`.

# %%
intercept_code(safe)  # the client uses PKCE

# %%
intercept_code(safe, pkce=False)  # a client without PKCE

# %% [markdown]
# The **downgrade**: mallory sends alice the client's authorization request with the
# `code_challenge` taken out, so the code is bound to nothing; the client, which always
# uses PKCE, then sends a verifier that nothing can contradict, unless the server
# refuses a verifier for a code issued without a challenge.

# %%
pkce_downgrade(safe)

# %%
pkce_downgrade(lab("pkce_downgrade"))

# %% [markdown]
# **Exercise.** Mallory can read the `code_challenge` in the authorization URL. Compute
# the S256 challenge of the verifier below (`hashlib`, `base64`) and see why that
# knowledge does not help her.

# %%
from codegrant_kit.exercises import VERIFIER

challenge = "..."  # BASE64URL(SHA256(ASCII(VERIFIER))), without "=" padding
check("pkce-s256", challenge)

# %% [markdown]
# ## 5. Mix-up: two servers, one malicious (RFC 9700 4.4; RFC 9207)
#
# The client works with two authorization servers and uses one redirect URI for both;
# one server is mallory's, where the client registered dynamically.
#
# ```mermaid
# sequenceDiagram
#     participant B as alice's browser
#     participant C as Client
#     participant A as mallory's server
#     participant H as honest server
#     B->>C: sign in with mallory's server
#     C-->>B: 302 to A/authorize (state S)
#     B->>A: GET /authorize
#     A-->>B: 303 to H/authorize: mallory's own request, with state S
#     B->>H: sign in, approve
#     H-->>B: 302 redirect_uri?code&state=S&iss=H
#     B->>C: callback: the client believes it comes from A
#     C->>A: POST /token with H's code: mallory has it
# ```
#
# **Look for**: `iss` in the callback. The honest server names itself; the client
# compares that with the server the session started with.

# %%
mix_up(safe)

# %%
mix_up(lab("no_iss"))

# %% [markdown]
# **Exercise.** Write `accept(location, session_issuer, iss_promised)`: `True` when the
# callback may be used by a session that started with `session_issuer`, where
# `iss_promised` is the server's `authorization_response_iss_parameter_supported`.

# %%
from urllib.parse import parse_qs, urlsplit


def accept(location, session_issuer, iss_promised):
    return True  # replace with your check


check("iss-check", accept)

# %% [markdown]
# ## 6. Leaks: the Referer header, old codes, tokens in URLs (RFC 9700 4.2, 4.3)
#
# The login page's URL holds the whole authorization request, `state` included. A
# link or image on it tells another site that URL in the `Referer` header, unless the
# page says `Referrer-Policy: no-referrer` (older browsers send the full URL by default).
# With the state, mallory can forge a callback that passes the client's check.

# %%
referrer_leak(safe)

# %%
referrer_leak(lab("referrer_leak"))

# %% [markdown]
# Codes end up in browser histories and logs; they must die within minutes. The lab's
# clock stands still until told to move: here ten minutes pass before mallory tries the
# code she found in alice's history.

# %%
late_code(safe)  # codes live 300 s here, as on WSO2

# %%
late_code(lab(code_lifetime=3600))  # a server whose codes live an hour

# %% [markdown]
# Access tokens must never travel in URLs: a server that refuses them there keeps them
# out of access logs, histories and Referer headers.

# %%
token_in_url(safe)

# %%
token_in_url(lab("token_in_query"))

# %% [markdown]
# **Exercise.** Which `Referrer-Policy` values keep the state out of the Referer the
# login page sends to `https://tracker.example`? Give the set of their names.

# %%
policies = {"no-referrer"}  # complete the set
check("referrer-policies", policies)

# %% [markdown]
# ## 7. Guessing: passwords and client secrets (RFC 6749 10.10)
#
# **The attacker's steps**: mallory tries a dictionary of common passwords on alice's
# login, opening a fresh login page every four guesses (this server closes a page
# after five). Alice picked one from the list. **Look for**: the server's message.

# %%
guess_password(safe)

# %%
guess_password(lab("no_throttle"))

# %% [markdown]
# The same against a client whose secret someone chose by hand: `secret`.

# %%
guess_client_secret(safe)

# %%
guess_client_secret(lab("no_throttle"))

# %% [markdown]
# A lockout only slows guessing down, and it ends after 15 minutes. It counts the
# wrong passwords for one account from one address, so mallory guessing from her
# machine locks out her own tries, not alice signing in from hers (RFC 6749 10.10).
# The lab's clock moves only when told:

# %%
safe.clock.advance(15 * 60)

# %% [markdown]
# **Exercise.** With the server's limits (`codegrant_kit.server.throttle`: `LIMITS`
# and `WINDOW`), how many passwords can mallory try against one account in a day,
# from one address?

# %%
from codegrant_kit.server.throttle import LIMITS, WINDOW

guesses_per_day = 0  # compute it
check("lockout-per-day", guesses_per_day)

# %% [markdown]
# ## 8. Consent: Approve Always, and clickjacking (RFC 9700 2.3, 4.16)
#
# "Approve Always" remembers the scopes alice approved, and only those. WSO2 Identity
# Server once skipped the consent page for any scope after one Approve Always
# (reported as wso2/product-is issue 4844).
# **Look for**: whether the wider request shows a consent page.

# %%
consent_upgrade(safe)

# %%
consent_upgrade(lab("consent_any_scope"))

# %% [markdown]
# **Clickjacking**: mallory's page shows the consent page in an invisible frame under
# a decoy button. The browser refuses when the page says
# `Content-Security-Policy: frame-ancestors 'none'` or `X-Frame-Options: DENY`.

# %%
clickjack(safe)

# %%
clickjack(lab("framing"))

# %% [markdown]
# **Exercise.** Write `may_be_framed(headers)`: `True` if a page on
# `https://attacker.example` could show a page with these response headers in a frame.

# %%
def may_be_framed(headers):
    return "X-Frame-Options" not in headers  # is that all?


check("framing", may_be_framed)

# %% [markdown]
# ## The checklist: every defence, checked live
#
# `run_checklist` runs each check's attack against a server and reports pass or fail
# per RFC 9700 item. It works against any RFC 8414 issuer: it registers its own clients
# where the server allows it, or takes a client's keys. The server with every defence
# on passes everything:

# %%
run_checklist(safe)

# %% [markdown]
# The same as a panel: fill in any server's URL and a user, and press **Run checklist**.
# Here it is filled in for a server with one switch on, `framing`: exactly that item
# fails.

# %%
from codegrant_kit.panels.checklist import ChecklistPanel

panel = ChecklistPanel(lab("framing"))
panel

# %%
panel.run_button.click()
panel.model.report

# %%
stop_all(servers)
