# %% [markdown]
# # Exercises, checked automatically
#
# **What you will learn**: to do by hand what the panels did for you, and to spot a
# broken request at a glance. Each exercise ends in a `check(...)` cell that says
# *Right* or *Not yet*, and why. The answers are computed by `check`, never shown:
# edit the cell, run it, run the check.

# %%
from codegrant_kit.exercises import EXERCISE_KEY, EXERCISE_SECRET, FAULTY_REQUEST, SEED_BASIC, check

# %% [markdown]
# ## 1. Build the Basic header yourself (RFC 6749 2.3.1)
#
# Your application's consumer key and secret are below. Build the value of the
# `Authorization` header the client sends to `/token`. Mind the order of the steps:
# form-encode the key and the secret (`urllib.parse.quote_plus` does
# `application/x-www-form-urlencoded`), join them with `:`, base64-encode the result,
# and put `Basic ` in front.

# %%
print("consumer key:   ", EXERCISE_KEY)
print("consumer secret:", EXERCISE_SECRET)

# %%
import base64
from urllib.parse import quote_plus

answer = "Basic ..."  # replace with your header value
check("basic-header", answer)

# %% [markdown]
# ## 2. Check the state on the callback (RFC 6749 10.12)
#
# Your client sent `state=af0ifjsldkj`. Write `is_safe_callback(sent_state, location)`
# that returns `True` only when the redirect's `Location` answers *your* request.
# `check` runs it on five callbacks, some of them crafted by an attacker.

# %%
from urllib.parse import parse_qs, urlsplit


def is_safe_callback(sent_state, location):
    # replace this with your own check
    return True


check("state-check", is_safe_callback)

# %% [markdown]
# ## 3. Spot the mistake in the WSO2 guide
#
# The guide's authorize request uses `client_id=wU62DjlyDBnq87GlBwplfqvmAbAa`. Its token
# request authenticates with the header below. Decode the header: which client id
# does it carry? Would a server accept this token request?

# %%
print(SEED_BASIC)

# %%
answer = ""  # the client id the header decodes to
check("seed-slip", answer)

# %% [markdown]
# ## 4. What is wrong with this token request?
#
# The authorization request that gave this code used
# `redirect_uri=https://client.example.com/cb`. Name the parameter of this request
# that the server will refuse.

# %%
print(FAULTY_REQUEST)

# %%
answer = ""  # the name of the parameter
check("faulty-request", answer)

# %% [markdown]
# <details><summary>Stuck? A hint for each (the answers stay with <code>check</code>)</summary>
#
# 1. Print `quote_plus(EXERCISE_SECRET)`: which characters change? And `base64.b64encode`
#    takes bytes and gives bytes: `.encode()` the text before, `.decode()` the result after.
# 2. `parse_qs(urlsplit(location).query).get("state")` gives a list; how many items should it have?
# 3. `base64.b64decode(SEED_BASIC.split()[1])`: what stands before the `:`?
# 4. Compare the `redirect_uri` in the body with the one above, character by character.
#
# </details>
