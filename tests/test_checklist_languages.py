"""Each text in its reader's language: the asker's reply in theirs, the channel's news and digest in
the channel's (the network's default language: there is no per-consortium language yet), a direct
message in its recipient's — decided when the outbox delivers, not when the command ran."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from models import Consortium


def _consortium(net) -> str:
    net.reply("admin", '/consortium creer "Alimentation durable" --membres @ines @samir')
    net.deliver()
    with net.db() as session:
        return session.scalar(select(Consortium.channel_id))


def _posts(net, channel: str) -> list[str]:
    return [p["message"] for p in net.emulator.posts(channel)]


def test_an_english_speaker_ticks_and_the_french_channel_reads_french(net):
    channel = _consortium(net)
    net.reply("samir", "/consortium langue en")
    assert net.reply("samir", "/checklist check 1", channel=channel) == "☑ Item 1 ticked."
    net.deliver()
    news = [m for m in _posts(net, channel) if "@samir" in m]
    assert news == ["☑ @samir a coché **1** Pourquoi nous regrouper : quel problème social voulons-nous résoudre "
                    "ensemble ?"]


def test_in_an_english_network_a_french_speaker_ticks_and_the_channel_reads_english(network_factory):
    net = network_factory(locale="en")
    channel = _consortium(net)
    net.reply("ines", "/consortium language fr")
    assert net.reply("ines", "/checklist cocher 1", channel=channel) == "☑ Point 1 coché."
    net.reply("ines", '/checklist ajouter "Ouvrir un compte commun"', channel=channel)
    net.deliver()
    news = [m for m in _posts(net, channel) if "@ines" in m]
    assert len(news) == 1, news
    lines = news[0].split("\n")
    assert lines[0] == "☑ @ines ticked **1** Why join forces: which social problem do we want to solve together?"
    assert lines[1] == "➕ @ines added **27** Ouvrir un compte commun"   # written in French, has no English


def test_news_is_written_when_delivered_in_the_channels_language(network_factory):
    """The command only records what happened; the words are chosen at delivery."""
    net = network_factory()
    channel = _consortium(net)
    net.reply("ines", "/checklist cocher 2", channel=channel)
    net.services.settings = net.services.settings.with_overrides(locale="en")  # the network now speaks English
    net.deliver()
    assert any(m.startswith("☑ @ines ticked **2**") for m in _posts(net, channel))


def test_the_digest_speaks_the_channels_language_and_each_reminder_its_readers(network_factory):
    net = network_factory(locale="en")
    channel = _consortium(net)
    net.reply("ines", "/consortium langue fr")
    net.reply("samir", "/consortium language en")
    net.reply("ines", "/checklist assign 2 @samir", channel=channel)
    net.reply("ines", "/checklist due 2 2027-01-05", channel=channel)
    net.reply("ines", "/checklist assign 3 @ines", channel=channel)
    net.reply("ines", "/checklist due 3 2027-01-06", channel=channel)
    monday = datetime(2027, 1, 4, 9, 30, tzinfo=timezone.utc)
    assert net.worker.run_periodic(now=monday, force=True) == 3
    net.worker.run_until_idle(now=monday + timedelta(minutes=1))
    assert any(m.startswith("#### 🗓️ Checklist of the week") for m in _posts(net, channel))

    def direct(user: str) -> list[str]:
        uid = net.users[user]["id"]
        return [p["message"] for c in net.emulator.direct_channels(uid) for p in net.emulator.posts(c["id"])]

    assert direct("samir")[0].startswith("You have 1 checklist item due soon")
    assert direct("ines")[0].startswith("Vous avez 1 point de checklist")
