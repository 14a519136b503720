"""The consortium's texts in their reader's language: the asker's reply in theirs, what the channel
reads (the goodbye of an archived consortium) in the channel's, the copy of one's data in its
recipient's — decided when the outbox delivers."""
from __future__ import annotations

import json

from sqlalchemy import select

from models import Consortium


def _consortium(net) -> str:
    net.reply("admin", '/consortium creer "Alimentation durable" --membres @ines @samir')
    net.deliver()
    with net.db() as session:
        return session.scalar(select(Consortium.channel_id))


def _posts(net, channel: str) -> list[str]:
    return [p["message"] for p in net.emulator.posts(channel)]


def test_an_english_admin_archives_and_the_french_channel_reads_french(net):
    channel = _consortium(net)
    net.reply("admin", "/consortium language en")
    reply = net.reply("admin", "/consortium archive", channel=channel)
    assert reply == "The consortium “Alimentation durable” is archived: channel closed, data kept."
    net.deliver()
    assert _posts(net, channel)[-1] == ("🗄️ Ce consortium a été archivé par @admin. Ses données sont conservées "
                                        "et restent consultables.")
    assert net.emulator.channel_by_id(channel)["delete_at"] > 0


def test_in_an_english_network_the_goodbye_is_english_while_the_admin_reads_french(network_factory):
    net = network_factory(locale="en")
    channel = _consortium(net)
    net.reply("admin", "/consortium langue fr")
    assert "est archivé" in net.reply("admin", "/consortium archiver", channel=channel)
    net.deliver()
    assert _posts(net, channel)[-1] == ("🗄️ This consortium has been archived by @admin. Its data is kept and can "
                                        "still be consulted.")


def test_the_copy_of_ones_data_speaks_its_recipients_language(net):
    _consortium(net)
    net.reply("samir", "/consortium language en")
    assert net.reply("samir", "/consortium my-data") == ("You will receive a copy of your personal data by direct "
                                                         "message in a moment.")
    net.deliver()
    samir = net.users["samir"]["id"]
    posts = [p for c in net.emulator.direct_channels(samir) for p in net.emulator.posts(c["id"])]
    assert [p["message"] for p in posts] == ["Here is everything Consortia holds about you (JSON). To have it "
                                             "erased, ask the network's facilitators."]
    assert json.loads(net.emulator.files[posts[0]["file_ids"][0]]["data"])["person"]["username"] == "samir"
