"""The weekly digest brings the checklist and the commitments register together."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.helpers.chat import channel_messages, make_consortium


def test_commitments_due_soon_appear_in_the_weekly_digest(net):
    channel = make_consortium(net)
    reply = net.reply("ines", '/engagement ajouter @ines "Animer l’atelier mobilité" --type temps '
                              '--montant 2 jours --echeance 2027-01-06', channel=channel)
    assert "Animer" in reply
    net.deliver()
    monday = datetime(2027, 1, 4, 9, 30, tzinfo=timezone.utc)  # 10:30 in Paris
    net.worker.run_periodic(now=monday, force=True)
    net.worker.run_until_idle(now=monday + timedelta(minutes=1))
    digest = [m for m in channel_messages(net, channel) if "checklist de la semaine" in m]
    assert len(digest) == 1
    assert "Engagements à échéance proche** (1)" in digest[0] and "Animer l’atelier mobilité" in digest[0]
