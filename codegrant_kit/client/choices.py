"""The answers a consent page offers: what a person can click, and what each click sends.

RFC 6749 Section 4.1.1 leaves the consent page to the server ("the authorization
server authenticates the resource owner and establishes whether the resource owner
grants or denies the client's access request"), so every product draws its own:

- buttons that submit the form, each sending its own name=value (ours, Keycloak's
  ``accept``/``cancel``, django-oauth-toolkit's ``allow``);
- buttons that run a script first (WSO2 sets its hidden ``consent`` field to
  ``approve``, ``approveAlways`` or ``deny`` and submits; Spring Authorization
  Server's Cancel resets the form and submits it without scopes);
- one submit button after radio buttons or a select (pick one, then submit);
- a "Cancel" link away from the form (node-oidc-provider's abort link).

:func:`choices_of` lists them; each :class:`Choice` says whether it grants or refuses
(from its words: allow, approve, accept, ... or deny, cancel, no, ...) and builds the
request a browser sends for that click: HTML's "constructing the entry list" (the
form's controls, only the clicked button's name and value, checked boxes, hidden
fields, the selected options), to the button's ``formaction`` if it has one.

>>> [form] = parse_forms('<form method=post action=/ok><input type=hidden name=code value=c>'
...                      '<button name=accept>Yes</button><button name=cancel>No</button></form>',
...                      "https://as.example/consent")
>>> [(c.label, c.grants) for c in choices_of(form)]
[('Yes', True), ('No', False)]
>>> choices_of(form)[1].request()
('POST', 'https://as.example/ok', [('code', 'c'), ('cancel', '')])
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .errors import BrowserError
from .forms import Field, Form, Link, parse_forms

__all__ = ["Choice", "choices_of", "leaning", "parse_forms", "pick", "words"]

# The words of a control that grants, or refuses (issue 12: names or labels).
GRANT_WORDS = frozenset(
    {"allow", "approve", "accept", "authorize", "authorise", "continue", "yes", "grant"}
    | {"agree", "confirm", "consent", "ok"}
)
REFUSE_WORDS = frozenset(
    {"deny", "cancel", "no", "reject", "decline", "refuse", "abort", "disallow", "dont"}
)
# WSO2's values of its ``consent`` field, which our server takes too.
WSO2_VALUES = ("approve", "approveAlways", "deny")
# how much script text is read per click: a page's scripts can be large
_SCRIPT_LIMIT = 200_000
_MAX_CALLS = 30


def words(text: str) -> list[str]:
    """The lower-case words of a label, name or id: ``approveAlways`` is two words.

    >>> words("kc-cancel"), words("approveAlways"), words("[ Cancel ]"), words("Don't allow")
    (['kc', 'cancel'], ['approve', 'always'], ['cancel'], ['dont', 'allow'])
    """
    text = text.replace("'", "").replace("\u2019", "")
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    return [word.lower() for word in re.findall(r"[^\W\d_]+", spaced)]


def leaning(*texts: str) -> bool | None:
    """True if the first text with a telling word grants, False if it refuses, None if
    none tells. A refusing word wins within one text ("Don't allow")."""
    for text in texts:
        found = set(words(text))
        if found & REFUSE_WORDS:
            return False
        if found & GRANT_WORDS:
            return True
    return None


@dataclass(frozen=True)
class Script:
    """What a click's script does, read from the page's own script text: the fields
    it sets (by id), whether it resets the form, whether it submits it."""

    sets: tuple[tuple[str, str], ...] = ()
    resets: bool = False
    submits: bool = False


@dataclass(frozen=True, eq=False)
class Choice:
    """One answer to the consent page, as a person would give it: one click.

    ``label`` is what they read; ``grants`` is True for an answer that grants, False
    for one that refuses, None when its words do not say. ``value`` is the WSO2
    ``consent`` value the click sends (``approve``, ``approveAlways``, ``deny``), if any.
    """

    label: str
    grants: bool | None
    value: str = ""
    form: Form | None = None
    button: Field | None = None  # the control clicked
    option: tuple[Field, str] | None = None  # a radio or select set before submitting
    script: Script | None = None
    link: str | None = None

    def request(
        self, scopes: Iterable[str] | None = None
    ) -> tuple[str, str, list[tuple[str, str]]]:
        """The method, URL and form entries a browser sends for this click.

        On a page with scope checkboxes (Spring Authorization Server), a choice that
        grants ticks them all, or those named in ``scopes``; the page is not changed.
        """
        if self.link is not None:
            return "GET", self.link, []
        if self.form is None:
            raise BrowserError(f"{self.label!r} is neither a form's control nor a link.")
        form, clicked = _copy(self.form, self.button)
        if self.option is not None:
            control, value = self.option
            _, chosen = _copy(self.form, control, into=form)
            if chosen is not None and chosen.type == "radio":
                for item in form.named(chosen.name):
                    item.checked = item is chosen
            elif chosen is not None:
                chosen.value = value
        script = self.script
        if script is not None and script.resets:
            form.reset()
        elif self.grants:
            _tick_scopes(form, scopes)
        if script is not None:
            for id, value in script.sets:
                target = form.by_id(id)
                if target is not None:
                    target.value = value
        # A script's form.submit() sends no button; a plain click sends the one clicked.
        submitter = clicked if clicked is not None and clicked.type in ("submit", "image") else None
        if script is not None and script.submits:
            submitter = None
        method, action = form.target(submitter)
        return method, action, form.entries(button=submitter)

    def describe(self) -> str:
        """The click in words: its label, what it sends, where."""
        method, url, entries = self.request()
        sent = "&".join(f"{name}={value}" for name, value in entries) or "nothing"
        how = {True: "grants", False: "refuses", None: "does not say whether it grants"}
        return f"{self.label!r} ({how[self.grants]}): {method} {url} sending {sent}"


def choices_of(form: Form, scripts: Sequence[str] = (), links: Sequence[Link] = ()) -> list[Choice]:
    """The answers a consent form offers: its clickable controls, then the page's
    refusing links (a "Cancel" that leaves the form, as node-oidc-provider's does)."""
    script_text = "\n".join(scripts)[:_SCRIPT_LIMIT]
    found: list[Choice] = []
    submit_buttons = [item for item in form.buttons if not item.disabled]
    picked_by = _option_controls(form)
    if picked_by and len(submit_buttons) == 1:
        # radio buttons or a select, then one submit button (Continue, Send)
        button = submit_buttons[0]
        for control, value, label in picked_by:
            found.append(
                Choice(
                    label=label,
                    grants=leaning(label, value),
                    value=value if control.name == "consent" else "",
                    form=form,
                    button=button,
                    option=(control, value),
                )
            )
        return found + _link_choices(links)
    for item in form.fields:
        if item.disabled or not item.is_button:
            continue
        script = _read_click(item.onclick, script_text) if item.onclick else None
        native = item.type in ("submit", "image") and "return false" not in item.onclick
        if not native and (script is None or not script.submits):
            continue  # a control that does not send the form: a toggle, a reset
        label = item.label or item.value or ("Submit" if item.type == "submit" else item.name)
        found.append(
            Choice(
                label=label,
                grants=leaning(item.label, item.value, item.name, item.id),
                value=_consent_value(form, item, script),
                form=form,
                button=item,
                script=script,
            )
        )
    return found + _link_choices(links)


def pick(choices: Sequence[Choice], wanted: str) -> Choice:
    """The choice a person means by ``wanted``: a WSO2 value (``approve``,
    ``approveAlways``, ``deny``), a label as shown (``Allow``, ``Yes``), or ``approve``
    and ``deny`` for the page's one granting or one refusing answer."""
    if not choices:
        raise BrowserError("The page offers no consent choice.")
    exact = [choice for choice in choices if choice.value and choice.value == wanted]
    if exact:
        return exact[0]
    key = words(wanted)
    by_label = [choice for choice in choices if words(choice.label) == key]
    if len(by_label) >= 1:
        return by_label[0]
    # one word only: "Approve Once" on a page with Allow alone is not what it offers
    intent = leaning(wanted) if len(key) == 1 else None
    if intent is not None:
        leaning_so = [choice for choice in choices if choice.grants is intent]
        if len(leaning_so) == 1:
            return leaning_so[0]
        if len(leaning_so) > 1 and wanted == "approve":
            once = [c for c in leaning_so if "always" not in words(c.label + " " + c.value)]
            if len(once) == 1:
                return once[0]
    offered = ", ".join(
        repr(c.label) + (f" (consent={c.value})" if c.value and c.value != c.label else "")
        for c in choices
    )
    raise BrowserError(
        f"The consent page offers {offered}, not {wanted!r}. Pass one of these, as the "
        "page labels it, or approve or deny for its one granting or refusing answer."
    )


def _consent_value(form: Form, item: Field, script: Script | None) -> str:
    if item.name == "consent":
        return item.value
    if script is not None:
        for id, value in script.sets:
            target = form.by_id(id)
            if target is not None and target.name == "consent":
                return value
    return ""


def _option_controls(form: Form) -> list[tuple[Field, str, str]]:
    """The options of the form's answer-picking control: a radio group or a select
    named ``consent``, or whose options grant or refuse. (control, value, label)"""
    radios = [item for item in form.fields if item.type == "radio" and not item.disabled]
    options: list[tuple[Field, str, str]] = []
    names = {item.name for item in radios}
    for name in names:
        group = [item for item in radios if item.name == name]
        telling = [item for item in group if leaning(item.label, item.value) is not None]
        if name == "consent" or len(telling) == len(group):
            options += [(item, item.value, item.label or item.value) for item in group]
    for item in form.fields:
        if item.type != "select" or item.disabled:
            continue
        labels = item.option_labels or item.options
        if item.name == "consent" or all(leaning(label) is not None for label in labels):
            options += list(zip([item] * len(labels), item.options, labels, strict=False))
    return options


def _link_choices(links: Sequence[Link]) -> list[Choice]:
    return [
        Choice(label=link.text, grants=False, link=link.href)
        for link in links
        if leaning(link.text) is False
    ]


def _tick_scopes(form: Form, scopes: Iterable[str] | None) -> None:
    boxes = [
        item
        for item in form.fields
        if item.type == "checkbox" and item.name == "scope" and not item.disabled
    ]
    if scopes is None:
        for item in boxes:
            item.checked = True
        return
    wanted = list(scopes)
    offered = [item.value for item in boxes]
    unknown = [scope for scope in wanted if scope not in offered]
    if unknown:
        raise BrowserError(f"The consent page offers the scopes {offered}, not {unknown}.")
    for item in boxes:
        item.checked = item.value in wanted


def _copy(form: Form, item: Field | None, *, into: Form | None = None) -> tuple[Form, Field | None]:
    """A copy of ``form`` (or ``into``, a copy made before) and its field at ``item``'s place."""
    target = into if into is not None else copy.deepcopy(form)
    if item is None:
        return target, None
    for index, field in enumerate(form.fields):
        if field is item:
            return target, target.fields[index]
    return target, None


_CALL = re.compile(r"([A-Za-z_$][\w$]*)\s*\(")
_SET_BY_ID = re.compile(
    r"getElementById\(\s*['\"]([^'\"]{1,200})['\"]\s*\)\.value\s*=\s*['\"]([^'\"]{0,200})['\"]"
)
_SET_BY_JQUERY = re.compile(
    r"\$\(\s*['\"]#([\w-]{1,200})['\"]\s*\)\.val\(\s*['\"]([^'\"]{0,200})['\"]\s*\)"
)


def _read_click(onclick: str, scripts: str) -> Script:
    """What an ``onclick`` does, with the bodies of the page's functions it calls (two
    levels deep). Only the statements consent pages use are read; a field set twice
    keeps its last value, as when the script's conditions are left at their defaults."""
    code = onclick[:_SCRIPT_LIMIT]
    seen: set[str] = set()
    for _depth in range(2):
        for name in _CALL.findall(code)[:_MAX_CALLS]:
            if name in seen or len(code) > _SCRIPT_LIMIT:
                continue
            seen.add(name)
            code += "\n" + _function_body(scripts, name)
    sets: dict[str, str] = {}
    for pattern in (_SET_BY_ID, _SET_BY_JQUERY):
        for id, value in pattern.findall(code):
            sets[id] = value
    return Script(
        sets=tuple(sets.items()),
        resets=".reset()" in code,
        submits=".submit()" in code or ".requestSubmit(" in code,
    )


def _function_body(scripts: str, name: str) -> str:
    match = re.search(rf"function\s+{re.escape(name)}\s*\([^)]{{0,200}}\)\s*\{{", scripts)
    if match is None:
        return ""
    depth = 1
    start = match.end()
    for index in range(start, len(scripts)):
        char = scripts[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return scripts[start:index]
    return scripts[start:]
