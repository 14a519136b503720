"""iMIP invitations (RFC 6047) and a small SMTP sender.

``build_invitation`` makes the message calendar clients recognise::

    multipart/mixed
    ├── multipart/alternative
    │   ├── text/plain                    (readable body, already translated)
    │   └── text/calendar; method=REQUEST; charset=UTF-8; component=VEVENT
    └── application/ics; name=invitation.ics   (attachment, same bytes)

Header values are reduced to one line (CR, LF and other control characters
become spaces) before they reach ``email.headerregistry``, so a title or a name
cannot inject a header. Messages use ``email.policy.SMTP`` (CRLF line endings,
7-bit transfer encodings) so they pass any relay.

``SMTPSender`` sends through ``smtp://``, ``smtp+starttls://`` (or
``smtp://...?starttls=1``) and ``smtps://`` URLs. Failures are
:class:`SMTPUnavailable` (retry later), :class:`SMTPRejected` (permanent, per
recipient) or :class:`SMTPAuthenticationFailed`. Credentials never appear in
messages, reprs or logs.
"""

from __future__ import annotations

import email.policy
import logging
import re
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = [
    "build_invitation",
    "SMTPSender",
    "SMTPSettings",
    "parse_smtp_url",
    "SMTPSendError",
    "SMTPUnavailable",
    "SMTPRejected",
    "SMTPAuthenticationFailed",
    "POLICY",
]

log = logging.getLogger(__name__)

#: CRLF line endings, and only 7-bit transfer encodings (quoted-printable/base64).
POLICY = email.policy.SMTP.clone(cte_type="7bit")

_IMIP_METHODS = {"PUBLISH", "REQUEST", "REPLY", "ADD", "CANCEL", "REFRESH", "COUNTER",
                 "DECLINECOUNTER"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")
_ADDR = re.compile(r"^[^@\s<>(),;:\"\[\]\\]+@[^@\s<>(),;:\"\[\]\\]+$")
_LANG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


# --------------------------------------------------------------------------- building


def _one_line(value: str) -> str:
    return " ".join(_CONTROL.sub(" ", value or "").split())


def _address(addr: str, name: str, what: str) -> Address:
    addr = (addr or "").strip()
    if not _ADDR.match(addr):
        raise ValueError(f"invalid {what} e-mail address: {addr!r}")
    local, _, domain = addr.rpartition("@")
    return Address(display_name=_one_line(name), username=local, domain=domain)


def _ics_method(ics: bytes) -> str | None:
    from icalendar import Calendar

    cal = Calendar.from_ical(ics)
    method = cal.get("method")
    return str(method).upper() if method is not None else None


def build_invitation(
    *,
    from_addr: str,
    from_name: str,
    to_addr: str,
    to_name: str,
    subject: str,
    text_body: str,
    ics: bytes,
    method: str,
    filename: str = "invitation.ics",
    language: str = "fr",
) -> EmailMessage:
    """Build one iMIP message for one recipient.

    ``ics`` must carry the same ``METHOD`` as ``method`` (``ValueError``
    otherwise), as RFC 6047 requires.
    """
    method = (method or "").strip().upper()
    if method not in _IMIP_METHODS:
        raise ValueError(f"unknown iTIP method {method!r}")
    ics_method = _ics_method(ics)
    if ics_method != method:
        raise ValueError(f"METHOD mismatch: message says {method}, calendar says {ics_method}")
    sender = _address(from_addr, from_name, "sender")
    recipient = _address(to_addr, to_name, "recipient")
    lang = language if _LANG.match(language or "") else "fr"
    fname = _FILENAME.sub("-", filename or "").strip("-.") or "invitation.ics"
    if not fname.lower().endswith(".ics"):
        fname += ".ics"

    msg = EmailMessage(policy=POLICY)
    msg["From"] = sender
    msg["To"] = recipient
    msg["Subject"] = _one_line(subject)
    msg["Date"] = format_datetime(datetime.now(timezone.utc))
    msg["Message-ID"] = make_msgid(domain=sender.domain)
    msg["MIME-Version"] = "1.0"

    body = (text_body or "").replace("\r\n", "\n").replace("\r", "\n")
    msg.set_content(body, subtype="plain", charset="utf-8")
    msg.add_alternative(
        ics.decode("utf-8"),
        subtype="calendar",
        charset="utf-8",
        cte="base64",  # exact bytes, CRLF included, whatever the relay does
        params={"method": method, "component": "VEVENT"},
    )
    msg.add_attachment(ics, maintype="application", subtype="ics", filename=fname)
    # Content-* headers set before the multipart conversion would have moved into
    # the first part: set the language now, on the message and its readable part.
    msg["Content-Language"] = lang
    for part in msg.walk():
        if part is not msg and "MIME-Version" in part:
            del part["MIME-Version"]
        if part.get_content_type() == "text/plain":
            part["Content-Language"] = lang
    # Python writes charset="utf-8"; RFC 6047 examples use UTF-8 (case-insensitive).
    return msg


# --------------------------------------------------------------------------- sending


class SMTPSendError(Exception):
    """Base class; ``retryable`` tells the outbox whether to try again later."""

    retryable = False

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class SMTPUnavailable(SMTPSendError):
    """Connection refused, timeout, disconnection or a 4xx answer: retry later."""

    retryable = True


class SMTPRejected(SMTPSendError):
    """Permanent 5xx refusal. ``recipients`` maps refused addresses to (code, text);
    ``partial`` is true when other recipients of the same message were accepted."""

    def __init__(self, message: str, code: int | None = None, *,
                 recipients: dict[str, tuple[int, str]] | None = None,
                 partial: bool = False) -> None:
        super().__init__(message, code)
        self.recipients = recipients or {}
        self.partial = partial


class SMTPAuthenticationFailed(SMTPSendError):
    """The server refused the credentials (fix the configuration)."""


@dataclass(frozen=True)
class SMTPSettings:
    host: str
    port: int
    security: str  # "none", "starttls" or "ssl"
    username: str = ""
    password: str = field(default="", repr=False)

    def redacted_url(self) -> str:
        scheme = {"none": "smtp", "starttls": "smtp+starttls", "ssl": "smtps"}[self.security]
        user = f"{self.username}:***@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}"


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def parse_smtp_url(url: str) -> SMTPSettings:
    """Parse ``smtp://``, ``smtp+starttls://`` and ``smtps://`` URLs.

    Defaults ports: 25 (smtp), 587 (starttls), 465 (smtps). User and password
    are percent-decoded. Raises ``ValueError`` naming what is wrong (never
    quoting the password).
    """
    if not url or not isinstance(url, str):
        raise ValueError("SMTP URL is empty")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"SMTP URL: invalid port or host ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme == "smtp":
        security, default_port = "none", 25
    elif scheme in ("smtp+starttls", "submission"):
        security, default_port = "starttls", 587
    elif scheme in ("smtps", "smtp+ssl"):
        security, default_port = "ssl", 465
    else:
        raise ValueError(f"SMTP URL: unknown scheme {parts.scheme!r} "
                         "(expected smtp, smtp+starttls or smtps)")
    host = parts.hostname or ""
    if not host:
        raise ValueError("SMTP URL: missing host name")
    if parts.path not in ("", "/"):
        raise ValueError(f"SMTP URL: unexpected path {parts.path!r}")
    query = parse_qs(parts.query, keep_blank_values=True)
    for key in query:
        if key != "starttls":
            raise ValueError(f"SMTP URL: unknown parameter {key!r} (only 'starttls' is known)")
    if "starttls" in query:
        value = query["starttls"][-1].strip().lower()
        if value in _TRUE:
            if security == "ssl":
                raise ValueError("SMTP URL: starttls=1 makes no sense with smtps://")
            security = "starttls"
        elif value not in _FALSE:
            raise ValueError(f"SMTP URL: starttls must be 1 or 0, not {value!r}")
    username = unquote(parts.username or "")
    password = unquote(parts.password or "")
    if password and not username:
        raise ValueError("SMTP URL: a password is given without a user name")
    if port is None:
        port = default_port
    if not 0 < port < 65536:
        raise ValueError(f"SMTP URL: port {port} out of range")
    return SMTPSettings(host=host, port=port, security=security, username=username,
                        password=password)


class SMTPSender:
    """Send ``EmailMessage`` objects through one SMTP server (one connection per send)."""

    def __init__(self, url: str, mail_from: str, *, timeout: float = 10,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.settings = parse_smtp_url(url)
        if not _ADDR.match((mail_from or "").strip()):
            raise ValueError(f"invalid envelope sender address: {mail_from!r}")
        self.mail_from = mail_from.strip()
        self.timeout = timeout
        self._ssl_context = ssl_context

    def __repr__(self) -> str:
        return f"<SMTPSender {self.settings.redacted_url()} from={self.mail_from!r}>"

    def _context(self) -> ssl.SSLContext:
        return self._ssl_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.security == "ssl":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=self.timeout,
                                                  context=self._context())
        else:
            conn = smtplib.SMTP(s.host, s.port, timeout=self.timeout)
        try:
            conn.ehlo_or_helo_if_needed()
            if s.security == "starttls":
                conn.starttls(context=self._context())
                conn.ehlo()
            if s.username:
                conn.login(s.username, s.password)
        except BaseException:
            _quit(conn)
            raise
        return conn

    def send(self, message: EmailMessage) -> None:
        """Send ``message`` to its To/Cc/Bcc recipients, envelope sender ``mail_from``."""
        where = self.settings.redacted_url()
        if message.get("Date") is None:
            message["Date"] = format_datetime(datetime.now(timezone.utc))
        if message.get("Message-ID") is None:
            message["Message-ID"] = make_msgid(domain=self.mail_from.rpartition("@")[2])
        conn = None
        try:
            conn = self._connect()
            refused = conn.send_message(message, from_addr=self.mail_from)
        except smtplib.SMTPAuthenticationError as exc:
            raise SMTPAuthenticationFailed(
                f"SMTP {where}: authentication failed ({exc.smtp_code})", exc.smtp_code) from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise _recipients_error(exc.recipients, where, partial=False) from None
        except smtplib.SMTPResponseException as exc:
            # SMTPSenderRefused, SMTPDataError, SMTPHeloError, SMTPConnectError...
            text = _decode(exc.smtp_error)
            if 500 <= exc.smtp_code < 600:
                raise SMTPRejected(f"SMTP {where}: rejected ({exc.smtp_code} {text})",
                                   exc.smtp_code) from None
            raise SMTPUnavailable(f"SMTP {where}: temporary failure ({exc.smtp_code} {text})",
                                  exc.smtp_code) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise SMTPSendError(f"SMTP {where}: not supported by the server ({exc})") from None
        except (smtplib.SMTPException, OSError, socket.timeout) as exc:
            # refused connection, DNS failure, timeout, TLS error, disconnection
            raise SMTPUnavailable(f"SMTP {where}: unreachable ({type(exc).__name__})") from None
        finally:
            if conn is not None:
                _quit(conn)
        if refused:
            raise _recipients_error(refused, where, partial=True)
        log.debug("SMTP %s: message %s sent", where, message.get("Message-ID"))


def _decode(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _recipients_error(refused: dict, where: str, *, partial: bool) -> SMTPSendError:
    details = {addr: (code, _decode(text)) for addr, (code, text) in refused.items()}
    if all(500 <= code < 600 for code, _ in details.values()):
        codes = sorted({code for code, _ in details.values()})
        return SMTPRejected(f"SMTP {where}: recipient(s) refused {sorted(details)} {codes}",
                            codes[0], recipients=details, partial=partial)
    err = SMTPUnavailable(f"SMTP {where}: recipient(s) temporarily refused {sorted(details)}",
                          min(code for code, _ in details.values()))
    err.recipients = details  # type: ignore[attr-defined]
    err.partial = partial  # type: ignore[attr-defined]
    return err


def _quit(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except Exception:  # noqa: BLE001
        try:
            conn.close()
        except Exception:  # noqa: BLE001
            pass
