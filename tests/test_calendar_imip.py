"""iMIP invitations sent through a real SMTP server (aiosmtpd) and parsed back."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import vobject
from icalendar import Calendar

from integrations.calendar.ics import Attendee, EventData, build_calendar
from integrations.calendar.imip import (
    SMTPRejected,
    SMTPSender,
    SMTPUnavailable,
    build_invitation,
    parse_smtp_url,
)
from tests.servers import radicale_server, smtp_server  # noqa: F401

PARIS = ZoneInfo("Europe/Paris")
UID = "session-7@consortia.example"


def event(sequence: int) -> EventData:
    return EventData(
        uid=UID, summary="Séance de travail",
        start=datetime(2026, 12, 10, 14, 0, tzinfo=PARIS),
        end=datetime(2026, 12, 10, 16, 0, tzinfo=PARIS),
        url="https://visio.example.org/abc", sequence=sequence,
        organizer_email="consortia@example.org", organizer_name="Consortia",
        attendees=[Attendee("alice@example.org", "Alice Été")],
    )


def invitation(method: str, sequence: int, **kw):
    ics = build_calendar([event(sequence)], name="Consortium Eau", method=method)
    args = dict(
        from_addr="consortia@example.org", from_name="Consortia",
        to_addr="alice@example.org", to_name="Alice Été",
        subject="Invitation : Séance de travail", text_body="Bonjour Alice,\nvous êtes invitée.",
        ics=ics, method=method,
    )
    args.update(kw)
    return build_invitation(**args), ics


def calendar_parts(msg):
    """(inline text/calendar part, attachment part) of an iMIP message."""
    assert msg.get_content_type() == "multipart/mixed"
    alt, attachment = msg.get_payload()
    assert alt.get_content_type() == "multipart/alternative"
    plain, cal = alt.get_payload()
    assert plain.get_content_type() == "text/plain"
    assert cal.get_content_type() == "text/calendar"
    return plain, cal, attachment


def test_request_then_cancel_through_smtp(smtp_server):
    sender = SMTPSender(smtp_server.url, "consortia@example.org")
    req, req_ics = invitation("REQUEST", 0)
    cancel, cancel_ics = invitation("CANCEL", 1, subject="Annulé : Séance de travail")
    sender.send(req)
    sender.send(cancel)
    received = smtp_server.wait_for(2)
    assert len(received) == 2
    assert smtp_server.envelopes[0] == {"mail_from": "consortia@example.org",
                                        "rcpt_tos": ["alice@example.org"]}

    seen = []
    for msg, method, raw_ics in zip(received, ["REQUEST", "CANCEL"], [req_ics, cancel_ics]):
        assert msg["To"].addresses[0].addr_spec == "alice@example.org"
        assert msg["To"].addresses[0].display_name == "Alice Été"
        assert msg["From"].addresses[0].addr_spec == "consortia@example.org"
        assert msg["Date"] is not None and msg["Message-ID"]
        assert msg["Content-Language"] == "fr"
        plain, cal, attachment = calendar_parts(msg)
        assert "vous êtes invitée" in plain.get_content()
        assert cal.get_param("method") == method
        assert cal.get_param("component") == "VEVENT"
        assert cal.get_content_charset().lower() == "utf-8"
        assert attachment.get_content_type() == "application/ics"
        assert attachment.get_filename() == "invitation.ics"
        assert attachment.get_content_disposition() == "attachment"
        # exact bytes survive the trip
        assert attachment.get_content() == raw_ics
        assert cal.get_payload(decode=True) == raw_ics

        parsed = Calendar.from_ical(cal.get_payload(decode=True))
        assert str(parsed["method"]) == method
        (vevent,) = parsed.walk("VEVENT")
        seen.append(vevent)
        # a second parser agrees
        assert vobject.readOne(cal.get_content()).method.value == method

    request, cancelled = seen
    assert str(request["uid"]) == str(cancelled["uid"]) == UID
    assert int(cancelled["sequence"]) > int(request["sequence"])
    assert str(request["status"]) == "CONFIRMED"
    assert str(cancelled["status"]) == "CANCELLED"
    assert received[1]["Subject"] == "Annulé : Séance de travail"


def test_header_injection_is_neutralised(smtp_server):
    msg, _ = invitation(
        "REQUEST", 0,
        subject="Séance\r\nBCC: x@evil.example\r\nX-Evil: 1",
        to_name="Alice\r\nBcc: y@evil.example",
        from_name="Consortia\nCc: z@evil.example",
    )
    SMTPSender(smtp_server.url, "consortia@example.org").send(msg)
    (got,) = smtp_server.wait_for(1)
    assert got["Bcc"] is None and got["Cc"] is None and got["X-Evil"] is None
    assert got["Subject"] == "Séance BCC: x@evil.example X-Evil: 1"
    assert "\n" not in got["Subject"]
    assert [a.addr_spec for a in got["To"].addresses] == ["alice@example.org"]
    assert smtp_server.envelopes[0]["rcpt_tos"] == ["alice@example.org"]
    # reparsing the raw bytes gives the same single-line subject
    again = email.message_from_bytes(got.as_bytes(), policy=email.policy.default)
    assert again["Subject"] == got["Subject"]


def test_build_invitation_validation():
    with pytest.raises(ValueError):
        invitation("REQUEST", 0, to_addr="alice@example.org\r\nBcc: x@y.z")
    with pytest.raises(ValueError):
        invitation("REQUEST", 0, to_addr="not an address")
    ics = build_calendar([event(0)], name="X", method="REQUEST")
    with pytest.raises(ValueError, match="METHOD"):
        build_invitation(from_addr="consortia@example.org", from_name="C",
                         to_addr="alice@example.org", to_name="A", subject="s", text_body="b",
                         ics=ics, method="CANCEL")
    msg, _ = invitation("REQUEST", 0, filename="../../etc/passwd", language="en")
    _, _, attachment = calendar_parts(msg)
    assert "/" not in attachment.get_filename()
    assert attachment.get_filename().endswith(".ics")
    assert msg["Content-Language"] == "en"


def test_server_down_is_unavailable(smtp_server):
    msg, _ = invitation("REQUEST", 0)
    sender = SMTPSender(smtp_server.url, "consortia@example.org", timeout=3)
    smtp_server.stop()
    try:
        with pytest.raises(SMTPUnavailable) as exc:
            sender.send(msg)
        assert exc.value.retryable
    finally:
        smtp_server.start()
    sender.send(msg)
    assert len(smtp_server.wait_for(1)) == 1


def test_rejected_recipient(smtp_server):
    smtp_server.reject_recipients.add("alice@example.org")
    msg, _ = invitation("REQUEST", 0)
    with pytest.raises(SMTPRejected) as exc:
        SMTPSender(smtp_server.url, "consortia@example.org").send(msg)
    assert not exc.value.retryable
    assert exc.value.code == 550
    assert "alice@example.org" in exc.value.recipients
    assert smtp_server.messages == []


def test_parse_smtp_url():
    s = parse_smtp_url("smtp://127.0.0.1:2525")
    assert (s.host, s.port, s.security, s.username, s.password) == ("127.0.0.1", 2525, "none", "", "")
    s = parse_smtp_url("smtp://user%40example.org:p%40ss%3Aw@mail.example.org:587?starttls=1")
    assert (s.host, s.port, s.security) == ("mail.example.org", 587, "starttls")
    assert (s.username, s.password) == ("user@example.org", "p@ss:w")
    assert "p@ss" not in repr(s) and "p@ss" not in s.redacted_url()
    assert parse_smtp_url("smtp+starttls://u:p@mail.example.org").port == 587
    s = parse_smtp_url("smtps://u:p@mail.example.org")
    assert (s.port, s.security) == (465, "ssl")
    assert parse_smtp_url("smtp://mail.example.org").port == 25

    for bad, word in [
        ("", "empty"),
        ("http://mail.example.org", "scheme"),
        ("smtp://:25", "host"),
        ("smtp://mail.example.org:99999", "port"),
        ("smtp://mail.example.org:abc", "port"),
        ("smtp://mail.example.org?tls=1", "parameter"),
        ("smtp://mail.example.org?starttls=maybe", "starttls"),
        ("smtps://u:p@mail.example.org?starttls=1", "starttls"),
        ("smtp://:secret@mail.example.org", "user name"),
        ("smtp://mail.example.org/path", "path"),
    ]:
        with pytest.raises(ValueError, match=word) as exc:
            parse_smtp_url(bad)
        assert "secret" not in str(exc.value)


def test_sender_repr_hides_password():
    sender = SMTPSender("smtps://bot:hunter2@mail.example.org", "bot@example.org")
    assert "hunter2" not in repr(sender)
    with pytest.raises(ValueError):
        SMTPSender("smtp://mail.example.org", "not-an-address")
