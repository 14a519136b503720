"""/session end to end: Mattermost emulator, a real CalDAV server (Radicale) and a real SMTP server (aiosmtpd).

After each command the CalDAV REPORT, the consortium feed and the received e-mails are
parsed (with icalendar, and the feeds again with vobject) and checked.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests
from icalendar import Calendar
from sqlalchemy import select

from integrations.calendar.ics import parse_events
from models import WorkingSession
from tests.helpers.sessions import (
    PARIS, caldav_events, calendar_part, card_of, feed_of, next_year, setup_consortium, vobject_events,
)


def invitations(smtp_server, count: int):
    messages = smtp_server.wait_for(count)
    assert len(messages) >= count
    return messages


@pytest.fixture
def full(network_factory, radicale_server, smtp_server):
    net = network_factory(caldav=radicale_server, smtp_url=smtp_server.url)
    net.radicale, net.smtp = radicale_server, smtp_server
    return net


def test_plan_move_cancel_land_in_caldav_feed_and_mail(full):
    net = full
    channel = setup_consortium(net)
    year = next_year()
    reply = net.reply("ines", f'/session planifier "Diagnostic partagé" 10/12/{year} 14h --duree 2h '
                              f'--lieu "Maison des associations" --visio https://visio.example.org/diag '
                              f'--ordre-du-jour "Tour de table"', channel=channel["id"])
    assert "Séance 1 planifiée" in reply and "Diagnostic partagé" in reply
    assert "3 membres" in reply
    net.deliver()

    # 1. CalDAV: a REPORT returns the event
    events = caldav_events(net.radicale, "alimentation-durable")
    assert len(events) == 1
    event = events[0]
    uid = event["uid"]
    assert event["summary"] == "Diagnostic partagé" and event["sequence"] == 0
    assert event["start"] == datetime(year, 12, 10, 14, 0, tzinfo=PARIS)
    assert event["end"] == datetime(year, 12, 10, 16, 0, tzinfo=PARIS)
    assert event["location"] == "Maison des associations"
    assert event["url"] == "https://visio.example.org/diag"
    assert event["organizer"] == "consortia@example.org"
    assert {a["email"] for a in event["attendees"]} == {"ines@example.org", "samir@example.org", "lea@example.org"}
    assert all(a["partstat"] == "NEEDS-ACTION" for a in event["attendees"])
    assert event["alarms"] == [-timedelta(days=1)]
    assert "Tour de table" in event["description"]

    # 2. The feed
    _response, body = feed_of(net, "alimentation-durable")
    feed = parse_events(body)
    assert [e["uid"] for e in feed] == [uid]
    cal = Calendar.from_ical(body)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    vevent = cal.walk("VEVENT")[0]
    assert vevent["DTSTART"].params["TZID"] == "Europe/Paris"
    assert "CONFERENCE" in vevent
    vevents = vobject_events(body)
    assert len(vevents) == 1 and vevents[0].uid.value == uid
    assert vevents[0].dtstart.value == datetime(year, 12, 10, 14, 0, tzinfo=PARIS)

    # 3. The e-mails: one iMIP REQUEST per member
    received = invitations(net.smtp, 3)
    assert sorted(str(m["To"]).split("<")[-1].rstrip(">") for m in received) == \
        ["ines@example.org", "lea@example.org", "samir@example.org"]
    for message in received:
        assert message.get_content_type() == "multipart/mixed"
        text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_content()
        assert "Diagnostic partagé" in text and "décembre" in text
        cal_part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        assert cal_part.get_param("method") == "REQUEST"
        invitation = calendar_part(message)
        assert str(invitation["METHOD"]) == "REQUEST"
        inv_event = invitation.walk("VEVENT")[0]
        assert str(inv_event["UID"]) == uid and int(inv_event["SEQUENCE"]) == 0
        assert str(inv_event["ORGANIZER"]) == "mailto:consortia@example.org"
        attachments = [p for p in message.walk() if p.get_filename()]
        assert attachments and attachments[0].get_filename().endswith(".ics")

    # 4. The card in the channel
    card = card_of(net, channel["id"])
    assert "Diagnostic partagé" in card["message"]
    text = card["props"]["attachments"][0]["text"]
    assert "jeudi 10 décembre" in text or "10 décembre" in text
    assert "Maison des associations" in text and "/session abonner" in text and "Tour de table" in text
    labels = [a["name"] for a in card["props"]["attachments"][0]["actions"]]
    assert labels == ["Je viens", "Je ne viens pas", "Peut-être"]

    # Move: same UID, higher SEQUENCE everywhere
    reply = net.reply("ines", f"/session deplacer 1 17/12/{year} 10h", channel=channel["id"])
    assert "déplacée" in reply
    net.deliver()
    moved = caldav_events(net.radicale, "alimentation-durable")
    assert len(moved) == 1 and moved[0]["uid"] == uid and moved[0]["sequence"] == 1
    assert moved[0]["start"] == datetime(year, 12, 17, 10, 0, tzinfo=PARIS)
    assert moved[0]["end"] == datetime(year, 12, 17, 12, 0, tzinfo=PARIS)
    feed = parse_events(feed_of(net, "alimentation-durable")[1])
    assert feed[0]["uid"] == uid and feed[0]["sequence"] == 1
    received = invitations(net.smtp, 6)[3:]
    assert len(received) == 3
    for message in received:
        ev = calendar_part(message).walk("VEVENT")[0]
        assert str(ev["UID"]) == uid and int(ev["SEQUENCE"]) == 1
        assert ev.decoded("DTSTART") == datetime(year, 12, 17, 10, 0, tzinfo=PARIS)
    card = card_of(net, channel["id"])
    assert "17 décembre" in card["props"]["attachments"][0]["text"]

    # Cancel: METHOD:CANCEL, STATUS:CANCELLED, same UID, higher SEQUENCE
    reply = net.reply("ines", "/session annuler 1", channel=channel["id"])
    assert "annulée" in reply
    net.deliver()
    cancelled = caldav_events(net.radicale, "alimentation-durable")
    assert cancelled[0]["uid"] == uid and cancelled[0]["status"] == "CANCELLED" and cancelled[0]["sequence"] == 2
    feed = parse_events(feed_of(net, "alimentation-durable")[1])
    assert feed[0]["status"] == "CANCELLED" and feed[0]["sequence"] == 2
    received = invitations(net.smtp, 9)[6:]
    assert len(received) == 3
    for message in received:
        cal = calendar_part(message)
        assert str(cal["METHOD"]) == "CANCEL"
        ev = cal.walk("VEVENT")[0]
        assert str(ev["UID"]) == uid and int(ev["SEQUENCE"]) == 2 and str(ev["STATUS"]) == "CANCELLED"
        assert "Annulée" in str(message["Subject"])
    card = net.emulator.post(card["id"])
    assert "annulée" in card["message"] and "~~" in card["message"]
    assert not any(a.get("actions") for a in card["props"]["attachments"])
    assert "Aucune séance" in net.reply("samir", "/session liste", channel=channel["id"])


# --------------------------------------------------------------------------- answers (RSVP)


def test_rsvp_buttons_update_card_feed_caldav_and_list(full):
    net = full
    channel = setup_consortium(net)
    year = next_year()
    net.reply("ines", f'/session planifier "Co-construction" 12/01/{year} 9h30', channel=channel["id"])
    net.deliver()
    card = card_of(net, channel["id"])

    result = net.emulator.click(card["id"], "sessionyes", "samir")
    assert result["status"] == 200
    assert "Je viens" in (result.get("ephemeral") or {}).get("message", "") or result["response"]["ephemeral_text"]
    net.emulator.click(card["id"], "sessionno", "lea")
    net.emulator.click(card["id"], "sessionmaybe", "ines")
    net.emulator.click(card["id"], "sessionyes", "ines")  # changing one's mind
    updated = net.emulator.post(card["id"])
    text = updated["props"]["attachments"][0]["text"]
    assert "✅ Je viens\u00a0: 2" in text and "❌ Je ne viens pas\u00a0: 1" in text
    assert "🤔 Peut-être\u00a0: 0" in text and "⏳ Sans réponse\u00a0: 0" in text
    assert updated["props"]["attachments"][0]["actions"], "the buttons stay on the card"

    listing = net.reply("lea", "/session liste", channel=channel["id"])
    assert "Co-construction" in listing and "✅ 2 ❌ 1 🤔 0 ⏳ 0" in listing
    assert "Je viens\u00a0: @ines, @samir" in listing and "Je ne viens pas\u00a0: @lea" in listing

    net.deliver()
    partstats = {a["name"]: a["partstat"] for a in parse_events(feed_of(net, "alimentation-durable")[1])[0]["attendees"]}
    assert partstats == {"ines": "ACCEPTED", "samir": "ACCEPTED", "lea": "DECLINED"}
    remote = caldav_events(net.radicale, "alimentation-durable")[0]  # shared with the members: addresses kept
    assert {a["email"]: a["partstat"] for a in remote["attendees"]} == {
        f"{name}@example.org": partstat for name, partstat in partstats.items()}
    assert remote["sequence"] == 0  # an attendee's answer is not an organiser's change


def test_forged_or_foreign_rsvp_buttons_are_refused(full):
    net = full
    channel = setup_consortium(net)
    net.reply("ines", f'/session planifier "Atelier" 12/01/{next_year()} 9h30', channel=channel["id"])
    net.deliver()
    card = card_of(net, channel["id"])
    action = card["props"]["attachments"][0]["actions"][0]
    token = action["integration"]["context"]["t"]

    # A tampered token (someone edits the answer or the session id in the context)
    forged = dict(action["integration"]["context"], t=token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"))
    response = requests.post(action["integration"]["url"], json={
        "user_id": net.users["samir"]["id"], "user_name": "samir", "channel_id": channel["id"],
        "post_id": card["id"], "context": forged, "team_id": net.team["id"], "team_domain": "reseau"}, timeout=5)
    assert response.status_code == 200
    assert "n’a pas pu être vérifiée" in response.json()["ephemeral_text"] or "vérifi" in response.json()["ephemeral_text"]
    assert "update" not in response.json()

    # A genuine button clicked by someone outside the consortium
    response = requests.post(action["integration"]["url"], json={
        "user_id": net.users["outsider"]["id"], "user_name": "outsider", "channel_id": channel["id"],
        "post_id": card["id"], "context": action["integration"]["context"], "team_id": net.team["id"],
        "team_domain": "reseau"}, timeout=5)
    assert "Seuls les membres" in response.json()["ephemeral_text"]
    with net.db() as session:
        ws = session.scalar(select(WorkingSession))
        assert ws.rsvps == []


# --------------------------------------------------------------------------- the form


def test_plan_without_arguments_opens_a_form(full):
    net = full
    channel = setup_consortium(net)
    reply = net.reply("ines", "/session planifier", channel=channel["id"])
    assert "formulaire" in reply
    opened = net.emulator.dialogs()[-1]
    assert opened["dialog"]["callback_id"] == "session.plan"
    names = [e["name"] for e in opened["dialog"]["elements"]]
    assert names == ["title", "date", "time", "duration", "place", "video", "agenda"]

    bad = net.emulator.submit_dialog(-1, "ines", {"title": "Atelier", "date": "31/02", "time": "25h",
                                                  "video": "javascript:alert(1)"})
    errors = bad["response"]["errors"]
    assert "février" in errors["date"] and "25h" in errors["time"]
    assert "https://" in errors["video"]

    good = net.emulator.submit_dialog(-1, "ines", {"title": "Atelier", "date": f"15/01/{next_year()}",
                                                   "time": "10h", "duration": "1h30", "place": "Lyon"})
    assert good["status"] == 200 and not (good["response"] or {}).get("errors")
    net.deliver()
    with net.db() as session:
        ws = session.scalar(select(WorkingSession))
        assert ws.title == "Atelier" and ws.location == "Lyon"
        assert ws.ends_at - ws.starts_at == timedelta(minutes=90)
    assert "Atelier" in card_of(net, channel["id"])["message"]
    assert len(net.smtp.wait_for(3)) == 3


# --------------------------------------------------------------------------- minutes and reminder


def test_minutes_are_posted_and_attached_to_the_event(full):
    net = full
    channel = setup_consortium(net)
    net.reply("ines", f'/session planifier "Diagnostic" 12/01/{next_year()} 9h30', channel=channel["id"])
    net.deliver()
    result = net.command("samir", '/session compte-rendu 1 "Décisions : @channel chef de file = ACI Lyon"',
                         channel=channel["id"])
    assert result["response"]["response_type"] == "in_channel"
    text = result["response"]["text"]
    assert "Compte rendu de la séance 1" in text and "@\u200bchannel" in text
    net.deliver()
    event = caldav_events(net.radicale, "alimentation-durable")[0]
    assert "chef de file = ACI Lyon" in event["description"] and event["sequence"] == 1
    assert "chef de file = ACI Lyon" in parse_events(feed_of(net, "alimentation-durable")[1])[0]["description"]


def test_reminder_is_posted_the_day_before_once(full):
    net = full
    channel = setup_consortium(net)
    net.reply("ines", f'/session planifier "Diagnostic" 12/01/{next_year()} 9h30', channel=channel["id"])
    net.deliver()
    card = card_of(net, channel["id"])
    with net.db() as session:
        start = session.scalar(select(WorkingSession)).starts_at.replace(tzinfo=timezone.utc)
    job = net.services.registry.jobs["session.reminders"]
    assert job.run(net.services, start - timedelta(days=3)) == 0
    assert job.run(net.services, start - timedelta(hours=20)) == 1
    assert job.run(net.services, start - timedelta(hours=19)) == 0
    net.worker.run_until_idle(now=start - timedelta(hours=19))   # the job's rows are due at its clock
    reminders = [p for p in net.emulator.posts(channel["id"]) if "Rappel" in p["message"]]
    assert len(reminders) == 1
    assert reminders[0]["root_id"] == card["id"] and "demain" in reminders[0]["message"]
