"""Mattermost REST API v4 client built on ``mattermostdriver`` 7.3.2.

Knows nothing of the domain: plain methods, dicts in and out.

What this module adds to ``mattermostdriver``:

* one pooled :class:`requests.Session` per client (the driver calls
  ``requests.get/post`` without a session, so no connection reuse); it is plugged in
  through the driver's ``client_cls`` hook (:class:`_SessionClient`);
* retries: ``429`` honours ``Retry-After`` (when the next request passes) or else
  ``X-Ratelimit-Reset`` (seconds until the whole window resets), as Mattermost sends them;
  capped by ``max_wait``; ``5xx`` and connection errors back off
  exponentially (``backoff_base * 2**attempt`` with +-20 % jitter, capped by
  ``max_wait``); ``400/401/403/404`` are never retried;
* typed errors (:class:`MattermostError` and subclasses) carrying the ``AppError``
  ``id`` and ``message``;
* quiet logs: the driver logs every HTTP error at ERROR level; its logger is silenced
  and this module logs retries and failures at WARNING, without ever the token;
* posts created at most once: :meth:`MattermostClient.create_post` with an
  ``idempotency_key`` never re-sends a post whose first request may have been served
  (see the method).

Every request matches ``openapi-v4.yaml`` (checked by
``tests/test_mattermost_client.py::test_requests_match_openapi_spec``), with one
documented exception: ``PUT /posts/{post_id}/patch`` sends ``props`` as a JSON object,
which is what the server decodes (``model.PostPatch.Props`` is a ``StringInterface``
map) although the June 2023 spec declares it a string.
"""

from __future__ import annotations

import functools
import logging
import random
import threading
import time
from typing import Any, Callable, Iterable, TypeVar
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter

from mattermostdriver import Driver
from mattermostdriver.client import Client as _DriverClient

from integrations.mattermost.messages import neutralise_mentions

__all__ = [
    "MattermostClient",
    "MattermostError",
    "MattermostBadRequest",
    "MattermostUnauthorized",
    "MattermostForbidden",
    "MattermostNotFound",
    "MattermostRateLimited",
    "MattermostUnavailable",
]

log = logging.getLogger(__name__)

# mattermostdriver's HTTP client logs through this (oddly named) logger at ERROR level,
# with the server's message, for every non-2xx answer (404 on a lookup included).
# Our client class does not use that code path, but silence it anyway.
for _name in ("mattermostdriver.websocket", "mattermostdriver.api"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)

T = TypeVar("T")

PER_PAGE = 200  # Mattermost's maximum page size for members/bots listings

# The post property carrying an idempotency key, and how far back a lookup goes beyond
# the first attempt (Mattermost stamps posts with its own clock, which may differ from ours).
IDEMPOTENCY_PROP = "consortia_idempotency_key"
CLOCK_SKEW = 300.0
LOOKUP_PAGES = 10  # at most 2,000 posts are searched; a busier channel since then is not expected


# --------------------------------------------------------------------------- errors


class MattermostError(Exception):
    """A Mattermost API call failed.

    ``status`` is the HTTP status (``None`` for a connection error), ``error_id`` and
    ``message`` come from the ``AppError`` body when the server sent one.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_id: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.status = status
        self.error_id = error_id
        self.message = message
        self.method = method
        self.path = path
        where = f"{method} {path}" if method and path else "Mattermost request"
        code = f"HTTP {status}" if status is not None else "no response"
        detail = f" [{error_id}]" if error_id else ""
        super().__init__(f"{where} failed ({code}){detail}: {message}")


class MattermostBadRequest(MattermostError):
    """400: the request was invalid (not retried)."""


class MattermostUnauthorized(MattermostError):
    """401: the token is missing, invalid or revoked (not retried)."""


class MattermostForbidden(MattermostError):
    """403: the bot lacks a permission (not retried)."""


class MattermostNotFound(MattermostError):
    """404: no such object, or not visible to the bot (not retried)."""


class MattermostRateLimited(MattermostError):
    """429 still answered after every retry; ``retry_after`` is in seconds (or None)."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)


class MattermostUnavailable(MattermostError):
    """5xx or connection failure still happening after every retry."""

    def __init__(self, message: str, **kw: Any) -> None:
        self.retry_after = None
        super().__init__(message, **kw)


_STATUS_ERRORS: dict[int, type[MattermostError]] = {
    400: MattermostBadRequest,
    401: MattermostUnauthorized,
    403: MattermostForbidden,
    404: MattermostNotFound,
}


# ---------------------------------------------------------------- driver client class


class _SessionClient(_DriverClient):
    """mattermostdriver ``Client`` that sends through one pooled ``requests.Session``.

    It also fixes two quirks of the stock client: a GET/DELETE without options no
    longer sends a ``{}`` JSON body, and JSON answers are decoded whatever the exact
    ``Content-Type`` parameters. HTTP errors are raised as :class:`requests.HTTPError`
    (with ``.response``) and are not logged here: :class:`MattermostClient` maps them.
    """

    def __init__(self, options: dict, *, session: requests.Session) -> None:
        super().__init__(options)
        self.session = session

    def make_request(self, method, endpoint, options=None, params=None, data=None,
                     files=None, basepath=None):
        if basepath:
            o = self._options
            base = f"{o['scheme']}://{o['url']}:{o['port']}{basepath}"
        else:
            base = self.url
        kwargs: dict[str, Any] = {
            "headers": self.auth_header() or {},
            "verify": self._verify,
            "timeout": self.request_timeout,
        }
        if params:
            kwargs["params"] = params
        if options is not None:
            kwargs["json"] = options
        if data:
            kwargs["data"] = data
        if files:
            kwargs["files"] = files
        if self._auth is not None:
            kwargs["auth"] = self._auth()
        response = self.session.request(method.upper(), base + endpoint, **kwargs)
        response.raise_for_status()
        return response

    @staticmethod
    def _decode(response: requests.Response) -> Any:
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            return response.text

    def get(self, endpoint, options=None, params=None):
        return self._decode(self.make_request("get", endpoint, options=options, params=params))

    def post(self, endpoint, options=None, params=None, data=None, files=None):
        return self._decode(self.make_request(
            "post", endpoint, options=options, params=params, data=data, files=files))

    def put(self, endpoint, options=None, params=None, data=None):
        return self._decode(self.make_request(
            "put", endpoint, options=options, params=params, data=data))

    def delete(self, endpoint, options=None, params=None, data=None):
        return self._decode(self.make_request(
            "delete", endpoint, options=options, params=params, data=data))


def _seg(value: str) -> str:
    """Quote one path segment (usernames, e-mails, channel names...)."""
    return quote(str(value), safe="")


# ----------------------------------------------------------------------------- client


class MattermostClient:
    """Bot-token client for the Mattermost REST API v4 (see module docstring)."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 10,
        max_retries: int = 4,
        backoff_base: float = 0.5,
        max_wait: float = 10,
        session: requests.Session | None = None,
        verify: bool | str = True,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                "Mattermost URL must look like https://chat.example.org "
                f"or http://127.0.0.1:8065 (got scheme {parts.scheme!r})")
        if not token:
            raise ValueError("Mattermost token is empty")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        basepath = parts.path.rstrip("/") + "/api/v4"
        self.base_url = f"{parts.scheme}://{parts.hostname}:{port}{basepath}"
        self.max_retries = max(0, int(max_retries))
        self.backoff_base = float(backoff_base)
        self.max_wait = float(max_wait)
        self._sleep = sleep  # how back-off waits; tests pass a recorder
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=16, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
        self.session = session
        self._driver = Driver(
            {
                "url": parts.hostname,
                "port": port,
                "scheme": parts.scheme,
                "basepath": basepath,
                "token": token,
                "timeout": timeout,
                "request_timeout": timeout,
                "verify": verify,
            },
            client_cls=functools.partial(_SessionClient, session=session),
        )
        self._driver.client.token = token
        self._me: dict | None = None
        self._me_lock = threading.Lock()

    def __repr__(self) -> str:  # never shows the token
        return f"<MattermostClient {self.base_url}>"

    def close(self) -> None:
        self.session.close()

    # ------------------------------------------------------------------ plumbing

    @property
    def _http(self) -> _SessionClient:
        return self._driver.client

    def _backoff(self, attempt: int) -> float:
        delay = self.backoff_base * (2 ** attempt) * random.uniform(0.8, 1.2)
        return min(delay, self.max_wait)

    @staticmethod
    def _where(exc: requests.RequestException) -> tuple[str | None, str | None]:
        req = getattr(exc, "request", None)
        if req is None and getattr(exc, "response", None) is not None:
            req = exc.response.request
        if req is None:
            return None, None
        return req.method, urlsplit(req.url or "").path or None

    @staticmethod
    def _rate_limit_wait(response: requests.Response) -> float | None:
        # Mattermost sends both: Retry-After is when the next request passes, X-Ratelimit-Reset when the
        # whole bucket is full again (11 s for a burst of 100 at 10/s): wait for the first.
        for header in ("Retry-After", "X-Ratelimit-Reset"):
            raw = response.headers.get(header)
            if raw is None:
                continue
            try:
                return max(0.0, float(raw))
            except ValueError:
                continue
        return None

    @staticmethod
    def _app_error(response: requests.Response) -> tuple[str | None, str]:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and (body.get("message") or body.get("id")):
            return body.get("id") or None, str(body.get("message") or body.get("id"))
        text = (response.text or "").strip()
        return None, (text[:200] if text else (response.reason or "no message"))

    def _call(self, fn: Callable[[], T], *, retries: int | None = None,
              recover: Callable[[], T | None] | None = None) -> T:
        """Run one API call with the retry policy and map failures to our errors.

        ``recover`` is asked, before each retry that follows an unknown outcome (no answer,
        a timeout, a 5xx), whether the first request took effect after all; what it returns
        (when not None) is the call's result.
        """
        max_retries = self.max_retries if retries is None else retries
        attempt = 0
        unknown = False
        while True:
            try:
                if unknown and recover is not None:
                    found = recover()
                    if found is not None:
                        return found
                return fn()
            except requests.HTTPError as exc:
                response = exc.response
                status = response.status_code
                method, path = self._where(exc)
                error_id, message = self._app_error(response)
                if status == 429:
                    wait = self._rate_limit_wait(response)
                    if attempt < max_retries:
                        delay = self._backoff(attempt) if wait is None else min(wait, self.max_wait)
                        log.warning("Mattermost rate limit on %s %s; retrying in %.2fs (%d/%d)",
                                    method, path, delay, attempt + 1, max_retries)
                        self._sleep(delay)
                        attempt += 1
                        continue
                    log.warning("Mattermost rate limit on %s %s; giving up after %d retries",
                                method, path, max_retries)
                    raise MattermostRateLimited(
                        message, retry_after=wait, status=status, error_id=error_id,
                        method=method, path=path) from None
                if status >= 500:
                    unknown = True
                    if attempt < max_retries:
                        delay = self._backoff(attempt)
                        log.warning("Mattermost answered %d on %s %s; retrying in %.2fs (%d/%d)",
                                    status, method, path, delay, attempt + 1, max_retries)
                        self._sleep(delay)
                        attempt += 1
                        continue
                    log.warning("Mattermost answered %d on %s %s; giving up after %d retries",
                                status, method, path, max_retries)
                    raise MattermostUnavailable(
                        message, status=status, error_id=error_id, method=method,
                        path=path) from None
                cls = _STATUS_ERRORS.get(status, MattermostError)
                if status != 404:
                    log.warning("Mattermost answered %d on %s %s: %s", status, method, path,
                                error_id or message)
                raise cls(message, status=status, error_id=error_id, method=method,
                          path=path) from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                unknown = True
                method, path = self._where(exc)
                kind = type(exc).__name__
                if attempt < max_retries:
                    delay = self._backoff(attempt)
                    log.warning("Mattermost unreachable (%s) on %s %s; retrying in %.2fs (%d/%d)",
                                kind, method, path, delay, attempt + 1, max_retries)
                    self._sleep(delay)
                    attempt += 1
                    continue
                log.warning("Mattermost unreachable (%s) on %s %s; giving up after %d retries",
                            kind, method, path, max_retries)
                raise MattermostUnavailable(
                    f"cannot reach {self.base_url} ({kind})", method=method,
                    path=path) from None

    def _get_or_none(self, fn: Callable[[], T]) -> T | None:
        try:
            return self._call(fn)
        except MattermostNotFound:
            return None

    # ------------------------------------------------------------------ system

    def ping(self) -> bool:
        """True when the server answers ``GET /system/ping`` with status OK (no retry)."""
        try:
            body = self._call(lambda: self._http.get("/system/ping"), retries=0)
        except MattermostError:
            return False
        return isinstance(body, dict) and str(body.get("status", "")).upper() == "OK"

    # ------------------------------------------------------------------ users & teams

    def me(self) -> dict:
        """The bot's own user (``GET /users/me``), cached after the first call."""
        with self._me_lock:
            if self._me is None:
                self._me = self._call(lambda: self._driver.users.get_user("me"))
            return self._me

    def get_team_by_name(self, name: str) -> dict:
        return self._call(lambda: self._driver.teams.get_team_by_name(_seg(name)))

    def get_user(self, user_id: str) -> dict:
        return self._call(lambda: self._driver.users.get_user(_seg(user_id)))

    def get_user_by_username(self, username: str) -> dict | None:
        return self._get_or_none(
            lambda: self._driver.users.get_user_by_username(_seg(username.lstrip("@"))))

    def get_users_by_usernames(self, usernames: Iterable[str]) -> list:
        names = [u.lstrip("@") for u in usernames]
        if not names:
            return []
        return self._call(lambda: self._driver.users.get_users_by_usernames(options=names))

    def get_user_by_email(self, email: str) -> dict | None:
        return self._get_or_none(lambda: self._driver.users.get_user_by_email(_seg(email)))

    def add_team_member(self, team_id: str, user_id: str) -> dict:
        return self._call(lambda: self._driver.teams.add_user_to_team(
            _seg(team_id), options={"team_id": team_id, "user_id": user_id}))

    def ensure_bot(self, username: str, display_name: str, description: str) -> dict:
        """Return the bot ``username``, creating it (or re-enabling it) when needed."""
        wanted = username.lstrip("@").lower()
        page = 0
        while True:
            bots = self._call(lambda: self._http.get(
                "/bots", params={"page": page, "per_page": PER_PAGE, "include_deleted": "true"}))
            for bot in bots or []:
                if str(bot.get("username", "")).lower() == wanted:
                    if bot.get("delete_at"):
                        bot = self._call(lambda: self._http.post(
                            f"/bots/{_seg(bot['user_id'])}/enable"))
                    return bot
            if not bots or len(bots) < PER_PAGE:
                break
            page += 1
        return self._call(lambda: self._http.post("/bots", options={
            "username": wanted, "display_name": display_name, "description": description}))

    # ------------------------------------------------------------------ channels

    def find_channel(self, team_id: str, name: str, include_deleted: bool = True) -> dict | None:
        path = f"/teams/{_seg(team_id)}/channels/name/{_seg(name)}"
        params = {"include_deleted": "true"} if include_deleted else None
        return self._get_or_none(lambda: self._http.get(path, params=params))

    def create_channel(self, team_id: str, name: str, display_name: str, *, purpose: str = "",
                       header: str = "", private: bool = True) -> dict:
        return self._call(lambda: self._driver.channels.create_channel({
            "team_id": team_id,
            "name": name,
            "display_name": display_name,
            "purpose": purpose,
            "header": header,
            "type": "P" if private else "O",
        }))

    def ensure_channel(self, team_id: str, name: str, display_name: str, *, purpose: str = "",
                       header: str = "", private: bool = True) -> tuple[dict, bool]:
        """Adopt the channel ``name`` of the team (restoring it when archived) or create it.

        Returns ``(channel, created)``. An adopted channel keeps its display name,
        header and purpose: call :meth:`patch_channel` to change them.
        """
        channel = self.find_channel(team_id, name, include_deleted=True)
        if channel is None:
            try:
                return self.create_channel(team_id, name, display_name, purpose=purpose,
                                           header=header, private=private), True
            except MattermostBadRequest as error:
                # Lost a race with another creator (or name taken): adopt if it exists.
                channel = self.find_channel(team_id, name, include_deleted=True)
                if channel is None and error.error_id == "store.sql_channel.save_channel.exists.app_error":
                    # A private channel hides from non-members (404 by name): say what to do.
                    raise MattermostForbidden(
                        f"a private channel named {name!r} exists in the team and this account is not a "
                        "member of it: add the bot to that channel, then retry", status=error.status,
                        error_id=error.error_id, method=error.method, path=error.path) from None
                if channel is None:
                    raise
        if channel.get("delete_at"):
            channel = self.restore_channel(channel["id"])
        return channel, False

    def restore_channel(self, channel_id: str) -> dict:
        return self._call(lambda: self._driver.channels.restore_channel(_seg(channel_id)))

    def patch_channel(self, channel_id: str, *, header: str | None = None,
                      purpose: str | None = None, display_name: str | None = None) -> dict:
        patch = {k: v for k, v in (("header", header), ("purpose", purpose),
                                   ("display_name", display_name)) if v is not None}
        return self._call(lambda: self._driver.channels.patch_channel(_seg(channel_id), patch))

    def add_channel_member(self, channel_id: str, user_id: str) -> dict:
        """Add a member; adding an existing member is a no-op (Mattermost returns it)."""
        return self._call(lambda: self._driver.channels.add_user(
            _seg(channel_id), options={"user_id": user_id}))

    def remove_channel_member(self, channel_id: str, user_id: str) -> None:
        """Remove a member; a 404 (already gone) is fine."""
        try:
            self._call(lambda: self._driver.channels.remove_channel_member(
                _seg(channel_id), _seg(user_id)))
        except MattermostNotFound:
            pass

    def channel_member_ids(self, channel_id: str) -> set[str]:
        ids: set[str] = set()
        page = 0
        while True:
            members = self._call(lambda: self._driver.channels.get_channel_members(
                _seg(channel_id), params={"page": page, "per_page": PER_PAGE}))
            ids.update(m["user_id"] for m in members or [])
            if not members or len(members) < PER_PAGE:
                return ids
            page += 1

    def archive_channel(self, channel_id: str) -> None:
        """Archive (soft-delete) a channel; archiving an archived channel is a no-op."""
        try:
            self._call(lambda: self._driver.channels.delete_channel(_seg(channel_id)))
        except MattermostBadRequest as exc:
            if "deleted" not in (exc.error_id or ""):
                raise

    # ------------------------------------------------------------------ posts

    def create_post(self, channel_id: str, message: str, *, props: dict | None = None,
                    root_id: str | None = None, file_ids: list[str] | None = None,
                    idempotency_key: str | None = None) -> dict:
        """``POST /posts``; with ``idempotency_key``, the post is created at most once.

        A request whose answer is lost (connection dropped, timeout, 5xx) may still have
        created the post. Two guards, in this order:

        * the key is sent as ``pending_post_id``: Mattermost answers a repeated
          ``pending_post_id`` with the post it already made — but only from an in-memory
          cache of each server process, for 30 seconds (``pendingPostIDsCacheTTL`` in
          the server's ``app/post.go``), and with a 500 while the first request is still
          being saved; a restart, another cluster node or a later retry escapes it;
        * so the key is also stored in the post's props (:data:`IDEMPOTENCY_PROP`), and
          before any retry that follows an unknown outcome the channel's posts since the
          first attempt are searched for it (:meth:`find_post_by_key`). This is the guard
          we rely on; the first only saves a lookup.
        """
        post: dict[str, Any] = {"channel_id": channel_id, "message": neutralise_mentions(message)}
        if props or idempotency_key:
            post["props"] = dict(props or {})
        if idempotency_key:
            post["props"][IDEMPOTENCY_PROP] = idempotency_key
            post["pending_post_id"] = idempotency_key
        if root_id:
            post["root_id"] = root_id
        if file_ids:
            post["file_ids"] = list(file_ids)
        recover = None
        if idempotency_key:
            since = time.time()
            recover = functools.partial(self.find_post_by_key, channel_id, idempotency_key, since)
        return self._call(lambda: self._driver.posts.create_post(post), recover=recover)

    def find_post_by_key(self, channel_id: str, key: str, since: float) -> dict | None:
        """The bot's post of ``channel_id`` carrying the idempotency ``key``, created after ``since``
        (a Unix time of our clock; :data:`CLOCK_SKEW` is allowed for the server's), or None.

        Pages through ``GET /channels/{id}/posts`` newest first, replies included, and stops
        at the first post older than ``since``.
        """
        me = self.me()["id"]
        oldest = int((since - CLOCK_SKEW) * 1000)
        for page in range(LOOKUP_PAGES):
            listing = self._call(lambda: self._driver.posts.get_posts_for_channel(
                _seg(channel_id), params={"page": page, "per_page": PER_PAGE}))
            posts = [listing["posts"][i] for i in listing.get("order") or [] if i in listing.get("posts", {})]
            for post in posts:
                if post.get("user_id") == me and (post.get("props") or {}).get(IDEMPOTENCY_PROP) == key:
                    return post
            if len(posts) < PER_PAGE or any(p.get("create_at", 0) < oldest for p in posts):
                return None
        return None

    def update_post(self, post_id: str, *, message: str | None = None,
                    props: dict | None = None) -> dict:
        """``PUT /posts/{id}/patch``; ``props`` replaces the whole property bag."""
        patch: dict[str, Any] = {}
        if message is not None:
            patch["message"] = neutralise_mentions(message)
        if props is not None:
            patch["props"] = props
        return self._call(lambda: self._driver.posts.patch_post(_seg(post_id), patch))

    def get_post(self, post_id: str) -> dict:
        return self._call(lambda: self._driver.posts.get_post(_seg(post_id)))

    def get_thread(self, post_id: str) -> dict:
        """``GET /posts/{id}/thread``: the root post and its replies (``order``, ``posts``); no retry."""
        return self._call(lambda: self._driver.posts.get_thread(_seg(post_id)), retries=0)

    def pin_post(self, post_id: str) -> None:
        self._call(lambda: self._driver.posts.pin_post_to_channel(_seg(post_id)))

    def create_ephemeral_post(self, user_id: str, channel_id: str, message: str, *,
                              props: dict | None = None) -> dict:
        post: dict[str, Any] = {"channel_id": channel_id, "message": neutralise_mentions(message)}
        if props:
            post["props"] = props
        return self._call(lambda: self._driver.posts.create_ephemeral_post(
            {"user_id": user_id, "post": post}))

    def direct_channel(self, user_id: str) -> dict:
        me_id = self.me()["id"]
        return self._call(lambda: self._driver.channels.create_direct_message_channel(
            [me_id, user_id]))

    def direct_message(self, user_id: str, message: str, *, props: dict | None = None,
                       idempotency_key: str | None = None) -> dict:
        channel = self.direct_channel(user_id)
        return self.create_post(channel["id"], message, props=props, idempotency_key=idempotency_key)

    # ------------------------------------------------------------------ dialogs & files

    def open_dialog(self, trigger_id: str, url: str, dialog: dict) -> None:
        self._call(lambda: self._driver.integration_actions.open_dialog(
            {"trigger_id": trigger_id, "url": url, "dialog": dialog}))

    def upload_file(self, channel_id: str, filename: str, content: bytes) -> str:
        """Upload one file to a channel; returns its file id (attach it with ``file_ids``)."""
        def do() -> dict:
            return self._driver.files.upload_file(channel_id, {"files": (filename, content)})
        body = self._call(do)
        infos = body.get("file_infos") if isinstance(body, dict) else None
        if not infos:
            raise MattermostError("upload answered without file_infos", status=None,
                                  method="POST", path="/api/v4/files")
        return infos[0]["id"]

    # ------------------------------------------------------------------ slash commands

    def create_command(self, team_id: str, *, trigger: str, url: str, display_name: str,
                       description: str, auto_complete: bool = True, auto_complete_desc: str = "",
                       auto_complete_hint: str = "", method: str = "P", username: str = "",
                       icon_url: str = "") -> dict:
        """Register a custom slash command; the answer carries its ``token``."""
        return self._call(lambda: self._driver.commands.create_command({
            "team_id": team_id,
            "trigger": trigger.lstrip("/"),
            "url": url,
            "method": method,
            "display_name": display_name,
            "description": description,
            "auto_complete": auto_complete,
            "auto_complete_desc": auto_complete_desc,
            "auto_complete_hint": auto_complete_hint,
            "username": username,
            "icon_url": icon_url,
        }))

    def list_commands(self, team_id: str) -> list:
        """Custom slash commands of a team."""
        return self._call(lambda: self._driver.commands.list_commands_for_team(
            params={"team_id": team_id, "custom_only": "true"}))

    def update_command(self, command: dict) -> dict:
        # mattermostdriver 7.3.2 builds '/commands' + id without the slash: go raw.
        return self._call(lambda: self._http.put(
            f"/commands/{_seg(command['id'])}", options=command))
