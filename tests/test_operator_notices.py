"""Notices about how the service is set up are for the network's operators: a member planning a
session while e-mail is not configured is not told about it, an admin is (in their private reply),
and the notice never lands in the consortium's channel. Through the real HTTP endpoint."""
from __future__ import annotations

from tests.helpers.chat import channel_messages
from tests.helpers.sessions import next_year, setup_consortium

NOTICE_FR = "L’envoi d’e-mails n’est pas configuré"
NOTICE_EN = "E-mail is not configured"


def test_a_member_is_not_told_how_the_service_is_set_up(net):
    channel = setup_consortium(net)["id"]
    reply = net.reply("ines", f"/session planifier Atelier 10/12/{next_year()} 14h", channel=channel)
    assert "planifiée" in reply
    assert NOTICE_FR not in reply and NOTICE_EN not in reply
    net.deliver()
    assert not any(NOTICE_FR in m or NOTICE_EN in m for m in channel_messages(net, channel))


def test_an_admin_is_told_in_their_own_reply_only(net):
    channel = setup_consortium(net)["id"]
    reply = net.reply("admin", f"/session planifier Atelier 10/12/{next_year()} 14h", channel=channel)
    assert NOTICE_FR in reply
    net.deliver()
    assert not any(NOTICE_FR in m or NOTICE_EN in m for m in channel_messages(net, channel))
