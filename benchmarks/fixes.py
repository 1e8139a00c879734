"""EXPERIMENTS, not the kit: proposed changes, applied by monkeypatching one process.

Each fix here is a change this benchmark suggests for `codegrant_kit/`; the
lead applies it there (the exact diff is in the report). `--try-fix NAME`
(flow_throughput.py, memory.py, profile_flow.py) starts the kit through
`kit_server.py` with the patch applied, and labels its figures "EXPERIMENT".
Without `--try-fix` every benchmark measures the kit exactly as committed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FIXES: dict[str, Callable[[], None]] = {}


def fix(function: Callable[[], None]) -> Callable[[], None]:
    FIXES[function.__name__.replace("_", "-")] = function
    return function


def apply(names: list[str]) -> None:
    for name in names:
        if name not in FIXES:
            raise SystemExit(f"unknown fix {name!r}; known: {', '.join(sorted(FIXES))}")
        FIXES[name]()


def _forget_pending(store: Any, key: str) -> None:
    # what the server's own purge does besides deleting (it changes while we measure)
    progress = getattr(store, "progress", None)
    if progress is not None and hasattr(progress, "forget_pending"):
        progress.forget_pending(key)


def _purge_db(store: Any, now: float) -> None:
    db = getattr(store, "_db", None)
    if db is not None:
        db.purge(now)


@fix
def inline_fast_hash() -> None:
    """authorize.py `_login`: check a `fast` hash on the event loop, not in a worker thread.

    One SHA-256 costs about 1 us; the trip to anyio's thread pool and back
    (two thread wake-ups, a self-pipe write, the GIL handed over twice) costs
    far more. scrypt (50 ms) must stay in the pool: it would block the loop.
    """
    from codegrant_kit.server import authorize

    original = authorize.run_in_threadpool

    async def run_in_threadpool(func: Callable[..., Any], *args: Any) -> Any:
        store = getattr(func, "__self__", None)
        if store is not None and store.config.password_hash == "fast":
            return func(*args)
        return await original(func, *args)

    authorize.run_in_threadpool = run_in_threadpool  # type: ignore[assignment]


@fix
def template_no_stat() -> None:
    """pages.py: `jinja2.Environment(..., auto_reload=False)`.

    The templates are compiled once, but with Jinja's default `auto_reload=True`
    every `get_template` stats the file and its parent (base.html) to see
    whether it changed: about 10 stat() calls a flow, for files that never
    change while the server runs.
    """
    from codegrant_kit.server import pages

    pages.ENV.auto_reload = False


@fix
def purge_grants_linear() -> None:
    """store.py `Store.purge`: prune a grant's token set by its own members.

    `grant.tokens.intersection_update(self._tokens)` walks the whole token
    table once per live grant: O(grants x tokens) every second, under the
    store's lock, on the event loop (8,000 live grants: 2 s per purge).
    Grants live as long as their refresh token, 24 h by default.
    """
    from codegrant_kit.server import store as store_module

    def purge(self: Any, now: float | None = None) -> None:
        with self._lock:
            now = self.now() if now is None else now
            self._last_purge = now
            for table in (self._codes, self._used_codes, self._tokens, self._rotated):
                for key in [k for k, v in table.items() if v.expires_at <= now]:
                    del table[key]
            for key in [k for k, v in self._pending.items() if v.expires_at <= now]:
                del self._pending[key]
                _forget_pending(self, key)
            tokens = self._tokens
            for key, grant in list(self._grants.items()):
                if grant.expires_at <= now:
                    del self._grants[key]
                else:
                    grant.tokens.difference_update([t for t in grant.tokens if t not in tokens])
            _purge_db(self, now)

    store_module.Store.purge = purge  # type: ignore[method-assign]


@fix
def purge_by_expiry() -> None:
    """store.py: used codes, tokens and grants come off a heap of (expires_at, table, key).

    The sweep every second otherwise scans every live code, token, login and
    grant (and, before purge-grants-linear, every token once per grant). Open
    login pages and unredeemed codes are few and are still scanned; the many
    long-lived entries cost one push when stored and one pop when due. (The
    proposal, proposed-speed-fixes.diff, writes the pushes into the methods;
    this experiment wraps them.)
    """
    import heapq

    from codegrant_kit.server import store as store_module

    store_cls = store_module.Store
    original_init = store_cls.__init__

    def __init__(self: Any, config: Any) -> None:
        original_init(self, config)
        self._expiry = []

    def push(self: Any, expires_at: float, table: str, key: str) -> None:
        with self._lock:
            heapq.heappush(self._expiry, (expires_at, table, key))

    def wrap(name: str, after: Callable[..., None]) -> None:
        original = getattr(store_cls, name)

        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            result = original(self, *args, **kwargs)
            after(self, result, *args, **kwargs)
            return result

        setattr(store_cls, name, method)

    def after_redeem(self: Any, code: Any, *_: Any) -> None:
        if code.code in self._used_codes:
            push(self, code.expires_at, "_used_codes", code.code)

    def after_tokens(self: Any, tokens: Any, **kwargs: Any) -> None:
        for token in tokens:
            if token is not None:
                push(self, token.expires_at, "_tokens", token.value)
        grant = self._grants.get(kwargs["grant_id"])
        if grant is not None:
            push(self, grant.expires_at, "_grants", kwargs["grant_id"])

    def after_rotate(self: Any, token: Any, *_: Any) -> None:
        push(self, token.expires_at, "_rotated", token.value)

    def drop_grant_if_due(self: Any, grant_id: str, now: float) -> None:
        grant = self._grants.get(grant_id)
        if grant is not None and grant.expires_at <= now:
            del self._grants[grant_id]

    def purge(self: Any, now: float | None = None) -> None:
        with self._lock:
            now = self.now() if now is None else now
            self._last_purge = now
            for key in [k for k, v in self._pending.items() if v.expires_at <= now]:
                del self._pending[key]
                _forget_pending(self, key)
            for key in [k for k, v in self._codes.items() if v.expires_at <= now]:
                drop_grant_if_due(self, self._codes.pop(key).grant_id, now)
            heap = self._expiry
            while heap and heap[0][0] <= now:
                _, table_name, key = heapq.heappop(heap)
                table = getattr(self, table_name)
                item = table.get(key)
                if item is None or item.expires_at > now:
                    continue  # revoked already, or a grant that was extended
                del table[key]
                if table_name == "_tokens":
                    grant = self._grants.get(item.grant_id)
                    if grant is not None:
                        grant.tokens.discard(key)
                elif table_name == "_used_codes":
                    drop_grant_if_due(self, item.grant_id, now)
            _purge_db(self, now)

    store_cls.__init__ = __init__  # type: ignore[method-assign]
    wrap("redeem_code", after_redeem)
    wrap("issue_tokens", after_tokens)
    wrap("rotate_refresh_token", after_rotate)
    store_cls.purge = purge  # type: ignore[method-assign]


@fix
def fast_params() -> None:
    """params.py `Params.parse`: split and unquote only what needs it.

    Same result as `parse_qsl(text, keep_blank_values=True, errors="strict",
    max_num_fields=MAX_FIELDS)` (a field without `=` has the value ""; `+` is a
    space; bad UTF-8 in an escape raises), without parse_qsl's generic layers:
    values with no `%` or `+` (codes, tokens, keys) are taken as they are.
    """
    from urllib.parse import unquote

    from codegrant_kit.server import params as params_module
    from codegrant_kit.server.errors import InvalidRequest

    max_fields = params_module.MAX_FIELDS

    def decode(text: str) -> str:
        if "+" in text:
            text = text.replace("+", " ")
        return unquote(text, errors="strict") if "%" in text else text

    def parse(cls: Any, raw: bytes | str) -> Any:
        try:
            text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            if text.count("&") >= max_fields:
                raise ValueError("Max number of fields exceeded")
            pairs = []
            for piece in text.split("&"):
                if piece:
                    name, _, value = piece.partition("=")
                    pairs.append((decode(name), decode(value)))
        except (UnicodeDecodeError, ValueError) as exc:
            raise InvalidRequest(
                "The request could not be read: parameters must be URL-encoded UTF-8 "
                f"and at most {max_fields} ({exc.__class__.__name__})."
            ) from None
        return cls(pairs)

    params_module.Params.parse = classmethod(parse)  # type: ignore[method-assign,assignment]


@fix
def page_cache() -> None:
    """pages.py `render`: render a page once per context, then fill in the form's two secrets.

    The login and consent pages differ between requests only by the pending
    request's `sessionDataKey` and CSRF token (URL-safe base64, nothing to
    escape). Render with placeholders, keep the HTML (LRU, 256 pages), and put
    the two values in with str.replace: about 10 us instead of a Jinja render.
    """
    from functools import lru_cache

    from starlette.responses import HTMLResponse

    from codegrant_kit.server import authorize, pages

    volatile = {"session_data_key": "\x1bSDK\x1b", "csrf_token": "\x1bCSRF\x1b"}
    original = pages.render

    @lru_cache(maxsize=256)
    def cached(template: str, frozen: tuple[tuple[str, Any], ...]) -> str:
        context = {k: (dict(v) if isinstance(v, frozenset) else v) for k, v in frozen}
        return str(pages.ENV.get_template(template).render(**context))

    def freeze(value: Any) -> Any:
        if isinstance(value, dict):
            return frozenset((k, freeze(v)) for k, v in value.items())
        if isinstance(value, list):
            return tuple(freeze(v) for v in value)
        return value

    def render(
        request: Any, config: Any, template: str, status_code: int = 200, **context: Any
    ) -> Any:
        if not volatile.keys() <= context.keys():
            return original(request, config, template, status_code, **context)
        values = {k: context.pop(k) for k in volatile}
        lab = [pages.SWITCHES[name] for name in sorted(config.lab_switches)]
        context.update(root=request.scope.get("root_path", ""), issuer=config.issuer, lab=lab)
        try:
            frozen = tuple(sorted((k, freeze(v)) for k, v in {**context, **volatile}.items()))
            html = cached(template, frozen)
        except TypeError:  # something unhashable: render as before
            context.update(values)
            return original(request, config, template, status_code, **context)
        for key, placeholder in volatile.items():
            html = html.replace(placeholder, values[key])
        return HTMLResponse(html, status_code=status_code, headers=pages.security_headers(config))

    pages.render = render
    authorize.render = render  # type: ignore[attr-defined]


@fix
def hash_users_in_background() -> None:
    """runner.build / store.add_user: hash the starting users' passwords off the start path.

    `start_server()` hashes admin:admin with scrypt (about 60 ms here) before
    uvicorn even starts. Hashing in a worker thread while the server starts,
    and having `check_password` wait for that hash, returns the URL about
    60 ms sooner; a sign-in in the first 60 ms waits for it.
    """
    from concurrent.futures import Future, ThreadPoolExecutor

    from codegrant_kit.server import passwords
    from codegrant_kit.server import store as store_module

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="codegrant-kit-hash")
    store_cls = store_module.Store
    original_check = store_cls.check_password

    def add_user(self: Any, username: str, password: str) -> Any:
        if not username or ":" in username:
            raise ValueError("A username must be non-empty and hold no ':'.")
        future: Future[str] = pool.submit(
            passwords.hash_password, password, self.config.password_hash
        )
        if not hasattr(self, "_hashing"):
            self._hashing = {}
        with self._lock:
            self._hashing[username] = future
        return None

    def check_password(self: Any, username: str, password: str) -> bool:
        future = getattr(self, "_hashing", {}).pop(username, None)
        if future is not None:
            user = store_module.User(username, future.result())
            with self._lock:
                self._users[username] = user
        return bool(original_check(self, username, password))

    store_cls.add_user = add_user  # type: ignore[method-assign]
    store_cls.check_password = check_password  # type: ignore[method-assign]


@fix
def wake_on_stop() -> None:
    """runner.py `_Server.main_loop` and `BackgroundServer.stop`: wake uvicorn at once.

    uvicorn looks at `should_exit` every 0.1 s, then sleeps 0.1 s more in its
    shutdown to let connections close: a stop takes 100-200 ms. Waiting on an
    event that `stop()` sets from the caller's thread removes the first part.
    """
    import asyncio
    import contextlib

    from codegrant_kit import runner

    async def main_loop(self: Any) -> None:
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.1)

    original_stop = runner.BackgroundServer.stop

    def stop(self: Any) -> None:
        server = self._server
        server.should_exit = True
        loop, wake = getattr(server, "_loop", None), getattr(server, "_wake", None)
        if loop is not None and wake is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(wake.set)
        original_stop(self)

    runner._Server.main_loop = main_loop  # type: ignore[method-assign]
    runner.BackgroundServer.stop = stop  # type: ignore[method-assign]
