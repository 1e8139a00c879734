"""ipywidgets panels for the authorization code grant, one per step, all on one flow.

    state = FlowState()                       # the one flow the panels share
    ServerPanel(state, password_hash="fast")  # start the server     (runner)
    PortalPanel(state)                        # register, keys       (RFC 7591)
    AuthorizePanel(state)                     # the authorize URL    (RFC 6749 4.1.1)
    LoginPanel(state)                         # login and consent    (4.1, step B)
    RedirectPanel(state)                      # the 302 taken apart  (4.1.2, RFC 9207)
    TokenPanel(state)                         # the token request    (4.1.3, 2.3.1)
    ApiPanel(state)                           # API, refresh, introspect, revoke
    IdTokenPanel(state)                       # the ID token checked (OIDC Core 3.1.3.7)
    JwtPanel(state), TranscriptPanel(state)   # a JWT checked; every exchange, raw
    wizard()                                  # the steps in a Stack with Back/Next
    ChecklistPanel(server)                    # the security lab's RFC 9700 checklist

Each panel is a model (``panel.model``: values, results, ``error`` in plain words)
and a thin view; set values or ``click()`` buttons from code as well as by hand.
``Step`` is the one list of the steps, in order: the wizard's order, and the
number in each heading and in each message that points to another step.
"""

from __future__ import annotations

from .api_panel import ApiModel, ApiPanel
from .authorize_panel import AuthorizeModel, AuthorizePanel
from .checklist import ChecklistModel, ChecklistPanel
from .id_token_panel import IdTokenModel, IdTokenPanel
from .jwt_panel import JwtModel, JwtPanel
from .login_panel import LoginModel, LoginPanel
from .par_panel import PushedRequestModel, PushedRequestPanel
from .portal import PortalModel, PortalPanel
from .redirect_panel import RedirectModel, RedirectPanel
from .server_panel import ServerModel, ServerPanel
from .state import FlowState
from .steps import Step
from .token_panel import TokenModel, TokenPanel
from .transcript_view import TranscriptModel, TranscriptPanel
from .wizard import Wizard, WizardModel, wizard

__all__ = [
    "ApiModel",
    "ApiPanel",
    "AuthorizeModel",
    "AuthorizePanel",
    "ChecklistModel",
    "ChecklistPanel",
    "FlowState",
    "IdTokenModel",
    "IdTokenPanel",
    "JwtModel",
    "JwtPanel",
    "LoginModel",
    "LoginPanel",
    "PortalModel",
    "PortalPanel",
    "PushedRequestModel",
    "PushedRequestPanel",
    "RedirectModel",
    "RedirectPanel",
    "ServerModel",
    "ServerPanel",
    "Step",
    "TokenModel",
    "TokenPanel",
    "TranscriptModel",
    "TranscriptPanel",
    "Wizard",
    "WizardModel",
    "wizard",
]
