"""CalDAV client for the service account's calendar home.

Discovery and calendar creation go through the ``caldav`` library (principal,
calendar-home-set, ``MKCALENDAR``); object-level operations (PUT/GET/DELETE with
ETags, the REPORT used to read a calendar back, Nextcloud's sharing POST) are
plain HTTP through a ``requests.Session`` so status codes and preconditions are
under our control.

Calendars are named by a ``cal_id`` chosen by the caller (a slug): the calendar
lives at ``<calendar home>/<cal_id>/`` and an event at ``<calendar>/<uid>.ics``.

Concurrency contract of :meth:`CalDAVClient.put_event`:

* ``etag=None`` (default) sends ``If-None-Match: *``: create only. If the
  resource already exists the server answers 412 and
  :class:`CalDAVPreconditionFailed` is raised; nothing is overwritten. A caller
  that lost the ETag (e.g. a retried delivery) can :meth:`get_event` to read it.
* ``etag="..."`` sends ``If-Match``: update only if nobody changed the event
  since; 412 -> :class:`CalDAVPreconditionFailed`.
* ``force=True`` sends no precondition (last writer wins).

Errors: every failure is a :class:`CalDAVError` (``.status`` is the HTTP status
or ``None``; ``.retryable`` tells the outbox whether to try again later).
The password never appears in messages, reprs or logs.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import requests

__all__ = [
    "CalDAVClient",
    "CalDAVError",
    "CalDAVUnauthorized",
    "CalDAVForbidden",
    "CalDAVNotFound",
    "CalDAVPreconditionFailed",
    "CalDAVInsufficientStorage",
    "CalDAVUnavailable",
    "nextcloud_calendar_home",
    "is_nextcloud_url",
    "build_share_body",
]

log = logging.getLogger(__name__)

DAV_NS = "DAV:"
CALDAV_NS = "urn:ietf:params:xml:ns:caldav"
OC_NS = "http://owncloud.org/ns"

_CAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")

_CALENDAR_QUERY = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
    "<d:prop><d:getetag/><c:calendar-data/></d:prop>"
    '<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"/>'
    "</c:comp-filter></c:filter>"
    "</c:calendar-query>"
)


# --------------------------------------------------------------------------- errors


class CalDAVError(Exception):
    """Base CalDAV error; ``status`` is the HTTP status code when there was one."""

    retryable = False

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class CalDAVUnauthorized(CalDAVError):
    """401: wrong username or password (fix the configuration, do not retry)."""


class CalDAVForbidden(CalDAVError):
    """403: authenticated but not allowed."""


class CalDAVNotFound(CalDAVError):
    """404/409 on a collection: the calendar does not exist."""


class CalDAVPreconditionFailed(CalDAVError):
    """412: the If-Match / If-None-Match precondition failed."""


class CalDAVInsufficientStorage(CalDAVError):
    """507: quota exceeded on the server."""


class CalDAVUnavailable(CalDAVError):
    """Connection refused, timeout, 429 or 5xx: try again later."""

    retryable = True


# --------------------------------------------------------------------------- helpers


def _redact(url: str) -> str:
    """URL without any userinfo (never show credentials)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid url>"
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def is_nextcloud_url(url: str) -> bool:
    """Nextcloud (and ownCloud) serve DAV under ``/remote.php/dav``."""
    return "/remote.php/dav" in (urlsplit(url).path or "")


def nextcloud_calendar_home(base_url: str, username: str) -> str:
    """Calendar home of ``username`` on a Nextcloud server.

    ``base_url`` may be the server root (``https://cloud.example.org``), the DAV
    root (``.../remote.php/dav``) or anything below it.
    """
    parts = urlsplit(base_url)
    path = parts.path or ""
    idx = path.find("/remote.php/dav")
    prefix = path[:idx] if idx >= 0 else path.rstrip("/")
    home = f"{prefix}/remote.php/dav/calendars/{quote(username, safe='')}/"
    return urlunsplit((parts.scheme, parts.netloc, home, "", ""))


def build_share_body(sharees: list[str], *, read_write: bool = True) -> bytes:
    """Body of Nextcloud's calendar-sharing POST (ownCloud ``o:share``).

    A sharee is a Nextcloud user id (``alice``), or already a principal
    (``principal:principals/groups/team`` / ``principals/users/alice``).
    """
    ET.register_namespace("d", DAV_NS)
    ET.register_namespace("o", OC_NS)
    root = ET.Element(f"{{{OC_NS}}}share")
    for sharee in sharees:
        sharee = sharee.strip()
        if not sharee:
            continue
        if sharee.startswith("principal:"):
            href = sharee
        elif sharee.startswith("principals/"):
            href = "principal:" + sharee
        else:
            href = "principal:principals/users/" + sharee
        item = ET.SubElement(root, f"{{{OC_NS}}}set")
        ET.SubElement(item, f"{{{DAV_NS}}}href").text = href
        if read_write:
            ET.SubElement(item, f"{{{OC_NS}}}read-write")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _status_error(status: int, what: str) -> CalDAVError:
    if status == 401:
        return CalDAVUnauthorized(f"{what}: authentication failed (401)", status)
    if status == 403:
        return CalDAVForbidden(f"{what}: forbidden (403)", status)
    if status in (404, 409, 410):
        return CalDAVNotFound(f"{what}: not found ({status})", status)
    if status == 412:
        return CalDAVPreconditionFailed(f"{what}: precondition failed (412)", status)
    if status == 507:
        return CalDAVInsufficientStorage(f"{what}: insufficient storage (507)", status)
    if status == 429 or status >= 500:
        return CalDAVUnavailable(f"{what}: server unavailable ({status})", status)
    return CalDAVError(f"{what}: unexpected HTTP status {status}", status)


# --------------------------------------------------------------------------- client


class CalDAVClient:
    """Client for one CalDAV account (the service account).

    ``url`` is the DAV root or any URL from which the principal can be
    discovered (Radicale root, Nextcloud ``https://host/remote.php/dav``).
    Nothing is sent until the first call.
    """

    def __init__(self, url: str, username: str, password: str, *, timeout: float = 10,
                 verify: bool | str = True, calendar_home: str | None = None) -> None:
        if not url or urlsplit(url).scheme not in ("http", "https"):
            raise ValueError("CalDAV URL must be an http(s) URL")
        self.url = url if url.endswith("/") else url + "/"
        self.username = username
        self._password = password
        self.timeout = timeout
        self.verify = verify
        self._dav = None
        self._principal = None
        # Known calendar home (skips discovery for object operations), e.g.
        # nextcloud_calendar_home(url, user) when the login is the user id.
        self._home: str | None = None
        if calendar_home:
            self._home = calendar_home if calendar_home.endswith("/") else calendar_home + "/"
        self._session = requests.Session()
        self._session.auth = (username, password)
        self._session.verify = verify
        self._session.headers["User-Agent"] = "Consortia CalDAV client"

    def __repr__(self) -> str:
        return f"<CalDAVClient {_redact(self.url)} user={self.username!r}>"

    def close(self) -> None:
        self._session.close()
        if self._dav is not None:
            try:
                self._dav.close()
            except Exception:  # pragma: no cover - best effort
                pass

    def __enter__(self) -> "CalDAVClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def is_nextcloud(self) -> bool:
        return is_nextcloud_url(self.url)

    # ------------------------------------------------------------ caldav library

    def _wrap_library_error(self, exc: Exception, what: str) -> CalDAVError:
        from caldav.lib import error as caldav_error

        if isinstance(exc, CalDAVError):
            return exc
        if isinstance(exc, caldav_error.AuthorizationError):
            return CalDAVUnauthorized(f"{what}: authentication failed (401)", 401)
        if isinstance(exc, caldav_error.DAVError):
            text = str(exc)
            # caldav puts "<status> <Reason>" in its message, e.g. "409 Conflict"
            match = re.search(r"\b([1-5]\d\d) [A-Z]", text)
            if match:
                return _status_error(int(match.group(1)), what)
            return CalDAVError(f"{what}: {type(exc).__name__}")
        # niquests / requests / socket errors: ConnectionError, Timeout, OSError...
        return CalDAVUnavailable(f"{what}: {_redact(self.url)} unreachable "
                                 f"({type(exc).__name__})")

    def _principal_obj(self):
        if self._principal is None:
            import caldav

            try:
                self._dav = caldav.DAVClient(
                    url=self.url, username=self.username, password=self._password,
                    timeout=self.timeout, ssl_verify_cert=self.verify, enable_rfc6764=False,
                )
                self._principal = self._dav.principal()
            except Exception as exc:  # noqa: BLE001 - mapped to our errors
                self._dav = None
                raise self._wrap_library_error(exc, "CalDAV discovery") from None
        return self._principal

    def calendar_home(self) -> str:
        """URL of the account's calendar home (discovered once)."""
        if self._home is None:
            principal = self._principal_obj()
            try:
                home = str(principal.calendar_home_set.url)
            except Exception as exc:  # noqa: BLE001
                raise self._wrap_library_error(exc, "CalDAV calendar-home-set") from None
            self._home = home if home.endswith("/") else home + "/"
        return self._home

    def calendar_url(self, cal_id: str) -> str:
        if not _CAL_ID.match(cal_id or ""):
            raise ValueError(f"invalid calendar id {cal_id!r} (letters, digits, . _ -)")
        return urljoin(self.calendar_home(), quote(cal_id, safe="") + "/")

    def event_url(self, cal_id: str, uid: str) -> str:
        if not uid or "/" in uid or any(ord(c) < 32 for c in uid):
            raise ValueError(f"invalid event uid {uid!r}")
        return self.calendar_url(cal_id) + quote(uid, safe="@._-") + ".ics"

    def list_calendars(self) -> list[str]:
        """URLs of the calendars in the home (through ``principal.calendars()``)."""
        principal = self._principal_obj()
        try:
            return [str(c.url) for c in principal.calendars()]
        except Exception as exc:  # noqa: BLE001
            raise self._wrap_library_error(exc, "CalDAV list calendars") from None

    def calendar_exists(self, cal_id: str) -> bool:
        url = self.calendar_url(cal_id)
        resp = self._request("PROPFIND", url, "CalDAV PROPFIND calendar",
                             data=b'<?xml version="1.0" encoding="utf-8"?>'
                                  b'<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/>'
                                  b'</d:prop></d:propfind>',
                             headers={"Depth": "0",
                                      "Content-Type": "application/xml; charset=utf-8"},
                             ok=(207, 404))
        if resp.status_code == 404:
            return False
        return True

    def ensure_calendar(self, cal_id: str, name: str, description: str = "") -> str:
        """Create the calendar ``cal_id`` unless it exists; return its URL (idempotent)."""
        url = self.calendar_url(cal_id)
        if self.calendar_exists(cal_id):
            return url
        principal = self._principal_obj()
        try:
            cal = principal.make_calendar(name=name, cal_id=cal_id)
        except Exception as exc:  # noqa: BLE001
            err = self._wrap_library_error(exc, "CalDAV MKCALENDAR")
            # 405/409 "resource must be null": created meanwhile by someone else.
            if err.status in (405, 409) or type(err) is CalDAVNotFound:
                if self.calendar_exists(cal_id):
                    return url
            raise err from None
        if description:
            try:
                from caldav.elements import cdav

                cal.set_properties([cdav.CalendarDescription(description)])
            except Exception:  # noqa: BLE001 - a description is a nicety
                log.warning("CalDAV: could not set the description of calendar %s", cal_id)
        return url

    # ------------------------------------------------------------ raw HTTP

    def _request(self, method: str, url: str, what: str, *, ok: tuple[int, ...],
                 **kwargs) -> requests.Response:
        try:
            resp = self._session.request(method, url, timeout=self.timeout,
                                         allow_redirects=False, **kwargs)
        except requests.RequestException as exc:
            raise CalDAVUnavailable(
                f"{what}: {_redact(url)} unreachable ({type(exc).__name__})") from None
        if resp.status_code not in ok:
            raise _status_error(resp.status_code, f"{what} {_redact(url)}")
        return resp

    def put_event(self, cal_id: str, uid: str, ics: bytes, *, etag: str | None = None,
                  force: bool = False) -> str | None:
        """Create or update ``<uid>.ics``; return the new ETag (``None`` if not sent).

        See the module docstring for the ``etag``/``force`` contract.
        """
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        if etag:
            headers["If-Match"] = etag
        elif not force:
            headers["If-None-Match"] = "*"
        resp = self._request("PUT", self.event_url(cal_id, uid), "CalDAV PUT", data=ics,
                             headers=headers, ok=(200, 201, 204))
        return resp.headers.get("ETag")

    def get_event(self, cal_id: str, uid: str) -> tuple[bytes, str | None] | None:
        """``(ics, etag)`` of the event, or ``None`` when it does not exist."""
        resp = self._request("GET", self.event_url(cal_id, uid), "CalDAV GET",
                             headers={"Accept": "text/calendar"}, ok=(200, 404, 410))
        if resp.status_code != 200:
            return None
        return resp.content, resp.headers.get("ETag")

    def delete_event(self, cal_id: str, uid: str, *, etag: str | None = None) -> bool:
        """Delete the event; ``True`` if deleted, ``False`` if it was already gone."""
        headers = {"If-Match": etag} if etag else {}
        resp = self._request("DELETE", self.event_url(cal_id, uid), "CalDAV DELETE",
                             headers=headers, ok=(200, 204, 404, 410))
        return resp.status_code in (200, 204)

    def report_events(self, cal_id: str) -> list[bytes]:
        """Every VEVENT object of the calendar, through a CalDAV ``calendar-query`` REPORT."""
        resp = self._request(
            "REPORT", self.calendar_url(cal_id), "CalDAV REPORT",
            data=_CALENDAR_QUERY.encode("utf-8"),
            headers={"Depth": "1", "Content-Type": "application/xml; charset=utf-8"},
            ok=(207,),
        )
        try:
            tree = ET.fromstring(resp.content)
        except ET.ParseError as exc:
            raise CalDAVError(f"CalDAV REPORT: invalid XML answer ({exc})", 207) from None
        out: list[bytes] = []
        for response in tree.findall(f"{{{DAV_NS}}}response"):
            for propstat in response.findall(f"{{{DAV_NS}}}propstat"):
                status = propstat.findtext(f"{{{DAV_NS}}}status") or ""
                if " 200 " not in f"{status} ":
                    continue
                data = propstat.find(f"{{{DAV_NS}}}prop/{{{CALDAV_NS}}}calendar-data")
                if data is not None and data.text:
                    out.append(data.text.replace("\r\n", "\n").replace("\n", "\r\n")
                               .encode("utf-8"))
        return out

    # ------------------------------------------------------------ Nextcloud sharing

    def share_calendar(self, cal_id: str, sharees: list[str], *, read_write: bool = True) -> bool:
        """Share the calendar with Nextcloud users; ``False`` when the server cannot.

        Only Nextcloud (``/remote.php/dav``) supports this request; on other
        servers nothing is sent and ``False`` is returned.
        """
        if not self.is_nextcloud:
            return False
        sharees = [s for s in sharees if s and s.strip()]
        if not sharees:
            return True
        self._request(
            "POST", self.calendar_url(cal_id), "CalDAV share",
            data=build_share_body(sharees, read_write=read_write),
            headers={"Content-Type": "application/xml; charset=utf-8"},
            ok=(200, 204),
        )
        return True
