"""/session: every bad input of issue 5 is refused clearly, or survived (outages), with real servers."""
from __future__ import annotations

import threading

import pytest
import requests
from icalendar import Calendar
from sqlalchemy import func, select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from models import OutboxMessage, Person, WorkingSession, utcnow
from tests.helpers.sessions import (
    caldav_events, calendar_part, card_of, feed_of, next_year, setup_consortium, vobject_events,
)


@pytest.fixture
def full(network_factory, radicale_server, smtp_server):
    net = network_factory(caldav=radicale_server, smtp_url=smtp_server.url)
    net.radicale, net.smtp = radicale_server, smtp_server
    return net


def sessions_count(net) -> int:
    with net.db() as session:
        return session.scalar(select(func.count()).select_from(WorkingSession))


def outbox(net, kind: str) -> list[OutboxMessage]:
    with net.db() as session:
        rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)
                                    .order_by(OutboxMessage.id)))
        session.expunge_all()
        return rows


# --------------------------------------------------------------------------- dates, durations, texts

YEAR = next_year()


@pytest.mark.parametrize("args,expected", [
    ('"Atelier" 10/12/2020 14h', "déjà passé"),
    ('"Atelier" 31/02 14h', "février"),
    ('"Atelier" 30/02/2027 14h', "février"),
    ('"Atelier" 10/12 25h00', "de 0 à 23"),
    (f'"Atelier" 28/03/{2027} 2h30', "n’existe pas"),            # spring-forward gap, Europe/Paris
    (f'"Atelier" 31/10/{2027} 2h30', "existe deux fois"),         # fall-back overlap
    (f'"Atelier" 10/12/{YEAR} 14h --duree 0', "durée"),
    (f'"Atelier" 10/12/{YEAR} 14h --duree 0h', "supérieure à zéro"),
    (f'"Atelier" 10/12/{YEAR} 14h --duree "3 semaines"', "entre 5 minutes et 3 jours"),
    (f'"Atelier" 10/12/{YEAR} 14h --visio javascript:alert(1)', "https://"),
    (f'"Atelier" 10/12/{YEAR} 14h --visio ftp://example.org/x', "https://"),
    (f'"Atelier" 10/12/{YEAR} 14h --visio "https://ex ample.org"', "https://"),
    (f'"A" 10/12/{YEAR} 14h', "au moins 2"),
    (f'"Atelier" 10/12/{YEAR}', "Indiquez le titre, la date et l’heure"),
])
def test_planifier_refuses_bad_input_clearly(net, args, expected):
    channel = setup_consortium(net, members="@ines")
    reply = net.reply("ines", f"/session planifier {args}", channel=channel["id"])
    assert reply.startswith("⚠️"), reply
    assert expected.lower() in reply.lower(), reply
    assert "/session planifier" in reply  # the correct syntax is shown
    assert "Traceback" not in reply
    assert sessions_count(net) == 0
    net.deliver()
    assert not [p for p in net.emulator.posts(channel["id"]) if "Atelier" in p["message"]]


def test_a_2000_character_title_is_refused(net):
    channel = setup_consortium(net, members="@ines")
    reply = net.reply("ines", f'/session planifier "{"x" * 2000}" 10/12/{YEAR} 14h', channel=channel["id"])
    assert "Trop long" in reply and "2000" in reply and "200" in reply
    assert sessions_count(net) == 0


def test_an_outsider_cannot_plan(net):
    channel = setup_consortium(net, members="@ines")
    net.emulator.add_to_channel(channel["id"], net.users["outsider"]["id"])
    reply = net.reply("outsider", f'/session planifier "Atelier" 10/12/{YEAR} 14h', channel=channel["id"])
    assert "réservé aux membres" in reply
    assert sessions_count(net) == 0


def test_injection_through_the_title_leaves_ics_and_mail_clean(full):
    net = full
    channel = setup_consortium(net, members="@ines @samir")
    title = "Atelier\r\nBCC: victim@evil.example\r\nX-Injected: 1\nSUMMARY:Hacked\nEND:VEVENT"
    reply = net.reply("ines", f'/session planifier "{title}" 10/12/{YEAR} 14h '
                              f'--lieu "Salle 1\nORGANIZER:mailto:evil@evil.example" '
                              f'--ordre-du-jour "Point 1\r\nEND:VCALENDAR\r\nBEGIN:VEVENT"', channel=channel["id"])
    assert "Séance 1 planifiée" in reply
    net.deliver()
    body = feed_of(net, "alimentation-durable")[1]
    cal = Calendar.from_ical(body)
    events = cal.walk("VEVENT")
    assert len(events) == 1
    assert "\n" not in str(events[0]["SUMMARY"]) and "BCC: victim@evil.example" in str(events[0]["SUMMARY"])
    assert "ORGANIZER" not in events[0]  # feeds carry no address; the injected one is not a property either
    assert len(vobject_events(body)) == 1  # the second parser agrees: one event, valid structure
    for line in body.decode().split("\r\n"):
        assert not line.startswith(("BCC", "X-Injected", "SUMMARY:Hacked"))
    remote = caldav_events(net.radicale, "alimentation-durable")
    assert len(remote) == 1 and remote[0]["organizer"] == "consortia@example.org"

    messages = net.smtp.wait_for(2)
    assert len(messages) == 2
    for message in messages:
        assert message["Bcc"] is None and message["X-Injected"] is None
        assert "\n" not in str(message["Subject"]) and "Atelier" in str(message["Subject"])
        invitation = calendar_part(message)
        assert len(invitation.walk("VEVENT")) == 1
    assert sorted(addr for env in net.smtp.envelopes for addr in env["rcpt_tos"]) == \
        ["ines@example.org", "samir@example.org"]
    card = card_of(net, channel["id"])
    assert "\n" not in card["message"]


# --------------------------------------------------------------------------- numbers


def test_move_or_cancel_unknown_or_cancelled_sessions(net):
    channel = setup_consortium(net, members="@ines")
    assert "pas de séance numéro 7" in net.reply("ines", f"/session deplacer 7 10/12/{YEAR} 14h", channel=channel["id"])
    assert "pas de séance numéro 7" in net.reply("ines", "/session annuler 7", channel=channel["id"])
    assert "n’est pas un numéro" in net.reply("ines", "/session annuler deux", channel=channel["id"])
    net.reply("ines", f'/session planifier "Atelier" 10/12/{YEAR} 14h', channel=channel["id"])
    assert "annulée" in net.reply("ines", "/session annuler 1", channel=channel["id"])
    assert "déjà annulée" in net.reply("ines", "/session annuler 1", channel=channel["id"])
    assert "déjà annulée" in net.reply("ines", f"/session deplacer 1 11/12/{YEAR} 14h", channel=channel["id"])
    assert "déjà annulée" in net.reply("ines", '/session compte-rendu 1 "Notes"', channel=channel["id"])
    with net.db() as session:
        assert session.scalar(select(WorkingSession.sequence)) == 1


def test_only_the_organiser_lead_or_admin_moves_a_session(net):
    channel = setup_consortium(net, members="@ines @samir")
    net.reply("ines", f'/session planifier "Atelier" 10/12/{YEAR} 14h', channel=channel["id"])
    assert "Seuls la personne" in net.reply("samir", "/session annuler 1", channel=channel["id"])
    assert "annulée" in net.reply("admin", "/session annuler 1", channel=channel["id"])


# --------------------------------------------------------------------------- members, SMTP


def test_a_member_without_email_is_skipped_and_reported(full):
    net = full
    channel = setup_consortium(net, members="@ines @samir @lea")
    with net.db() as session:
        session.scalar(select(Person).where(Person.username == "lea")).email = None
    reply = net.reply("ines", f'/session planifier "Atelier" 10/12/{YEAR} 14h', channel=channel["id"])
    assert "2 membres" in reply and "Pas d’adresse e-mail pour @lea" in reply
    net.deliver()
    messages = net.smtp.wait_for(2)
    assert sorted(addr for env in net.smtp.envelopes for addr in env["rcpt_tos"]) == \
        ["ines@example.org", "samir@example.org"]
    attendees = caldav_events(net.radicale, "alimentation-durable")[0]["attendees"]
    assert {a["email"] for a in attendees} == {"ines@example.org", "samir@example.org"}
    assert len(messages) == 2


def test_smtp_down_then_up_delivers_each_invitation_once_after(full):
    net = full
    channel = setup_consortium(net, members="@ines @samir")
    net.smtp.stop()
    net.reply("ines", f'/session planifier "Atelier" 10/12/{YEAR} 14h', channel=channel["id"])
    # One attempt each: SMTP refuses the connection. Retries are due tens of milliseconds later in
    # tests, so the pass is pinned to this instant: a slow machine must not retry them to death.
    net.worker.run_until_idle(now=utcnow())
    pending = outbox(net, "imip.session")
    assert len(pending) == 2 and all(m.status == "pending" and "SMTPUnavailable" in m.last_error for m in pending)
    # moved while SMTP is down: the first invitation is superseded, only the new one goes out
    net.reply("ines", f"/session deplacer 1 11/12/{YEAR} 15h", channel=channel["id"])
    net.worker.run_until_idle(now=utcnow())
    net.smtp.start()
    net.deliver()
    net.deliver()
    messages = net.smtp.wait_for(2)
    assert len(messages) == 2
    assert sorted(addr for env in net.smtp.envelopes for addr in env["rcpt_tos"]) == \
        ["ines@example.org", "samir@example.org"]
    for message in messages:
        event = calendar_part(message).walk("VEVENT")[0]
        assert int(event["SEQUENCE"]) == 1
    assert all(m.status == "delivered" for m in outbox(net, "imip.session"))


def test_a_refused_recipient_does_not_resend_to_the_others(full):
    net = full
    channel = setup_consortium(net, members="@ines @samir")
    net.smtp.reject_recipients.add("samir@example.org")
    net.reply("ines", f'/session planifier "Atelier" 10/12/{YEAR} 14h', channel=channel["id"])
    net.deliver()
    net.deliver()
    assert [addr for env in net.smtp.envelopes for addr in env["rcpt_tos"]] == ["ines@example.org"]
    statuses = sorted(m.status for m in outbox(net, "imip.session"))
    assert statuses == ["dead", "delivered"]


# --------------------------------------------------------------------------- CalDAV failures


def test_caldav_412_on_update_refetches_and_writes_again(full):
    net = full
    channel = setup_consortium(net, members="@ines")
    net.reply("ines", f'/session planifier "Atelier" 10/12/{YEAR} 14h', channel=channel["id"])
    net.deliver()
    with net.db() as session:
        ws = session.scalar(select(WorkingSession))
        uid, old_etag = ws.uid, ws.caldav_etag
    assert old_etag
    # Someone edits the event in Nextcloud behind our back: our stored ETag is stale.
    url = f"{net.radicale.url}{net.radicale.username}/consortia-alimentation-durable/{uid}.ics"
    remote = requests.get(url, auth=(net.radicale.username, net.radicale.password), timeout=5)
    edited = remote.content.replace(b"SUMMARY:Atelier", b"SUMMARY:Edited elsewhere")
    assert requests.put(url, data=edited, auth=(net.radicale.username, net.radicale.password),
                        headers={"Content-Type": "text/calendar"}, timeout=5).status_code in (201, 204)
    net.reply("ines", f"/session deplacer 1 11/12/{YEAR} 15h", channel=channel["id"])
    net.deliver()
    events = caldav_events(net.radicale, "alimentation-durable")
    assert len(events) == 1 and events[0]["summary"] == "Atelier" and events[0]["sequence"] == 1
    with net.db() as session:
        assert session.scalar(select(WorkingSession.caldav_etag)) not in (None, old_etag)
    assert all(m.status == "delivered" for m in outbox(net, "caldav.session"))


def test_caldav_401_is_reported_and_does_not_block_the_rest(full):
    net = full
    channel = setup_consortium(net, members="@ines")
    net.services.settings = net.services.settings.with_overrides(caldav_password="wrong-password")
    net.services.reset_clients()
    reply = net.reply("ines", f'/session planifier "Atelier" 10/12/{YEAR} 14h', channel=channel["id"])
    assert "Séance 1 planifiée" in reply  # the command never waits for CalDAV
    net.deliver()
    [message] = outbox(net, "caldav.session")
    assert message.status == "dead" and "401" in message.last_error
    assert "wrong-password" not in message.last_error
    assert len(net.smtp.wait_for(1)) == 1  # the invitation went out anyway
    assert card_of(net, channel["id"])  # and the card
    assert len(feed_of(net, "alimentation-durable")[1]) > 0


class FaultyProxy:
    """A loopback HTTP proxy in front of Radicale that answers ``fail_status`` to chosen methods."""

    def __init__(self, target: str):
        self.target = target.rstrip("/")
        self.fail: dict[str, int] = {}
        self.seen: list[tuple[str, str, int]] = []
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def app(self, environ, start_response):
        request = Request(environ)
        if request.method in self.fail:
            self.seen.append((request.method, request.path, self.fail[request.method]))
            return Response("Insufficient Storage", status=self.fail[request.method])(environ, start_response)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        upstream = requests.request(request.method, self.target + request.full_path.rstrip("?"),
                                    data=request.get_data(), headers=headers, allow_redirects=False, timeout=10)
        self.seen.append((request.method, request.path, upstream.status_code))
        excluded = {"content-encoding", "transfer-encoding", "connection", "content-length"}
        response = Response(upstream.content, status=upstream.status_code,
                            headers=[(k, v) for k, v in upstream.headers.items() if k.lower() not in excluded])
        return response(environ, start_response)

    def stop(self):
        self.server.shutdown()


def test_caldav_507_keeps_the_event_queued_until_space_is_freed(network_factory, radicale_server, smtp_server):
    proxy = FaultyProxy(radicale_server.url)
    try:
        class Target:
            url, username, password = proxy.url, radicale_server.username, radicale_server.password

        net = network_factory(caldav=Target, smtp_url=smtp_server.url)
        channel = setup_consortium(net, members="@ines")
        proxy.fail["PUT"] = 507
        net.reply("ines", f'/session planifier "Atelier" 10/12/{YEAR} 14h', channel=channel["id"])
        net.deliver()
        [message] = outbox(net, "caldav.session")
        assert message.status == "pending" and "507" in message.last_error
        assert ("PUT", ) == tuple({m for m, _p, s in proxy.seen if s == 507})
        assert len(smtp_server.wait_for(1)) == 1
        # Quota raised: the next attempt writes the event.
        proxy.fail.clear()
        with net.db() as session:
            row = session.get(OutboxMessage, message.id)
            row.available_at = row.created_at
        net.deliver()
        assert outbox(net, "caldav.session")[0].status == "delivered"
        assert len(caldav_events(radicale_server, "alimentation-durable")) == 1
    finally:
        proxy.stop()
