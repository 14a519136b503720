"""An AMI answer belongs to whoever proves its contact e-mail: changes go through a link sent there.

Real HTTP for the public form, a real SMTP server (aiosmtpd) for the link, the worker delivering it.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests

from tests.helpers.ami import answers, chat_answer, csrf_of, open_call, web_answer
from tests.helpers.chat import dm_posts

EDIT_LINK = re.compile(r"(http://127\.0\.0\.1:\d+/ami/\S+\?edit=\S+)")


@pytest.fixture
def mailnet(network_factory, smtp_server):
    net = network_factory(smtp_url=smtp_server.url)
    net.smtp = smtp_server
    return net


def link_in_mail(net, count: int = 1) -> tuple[str, object]:
    net.deliver()
    mails = net.smtp.wait_for(count)
    assert len(mails) == count, mails
    mail = mails[-1]
    match = EDIT_LINK.search(mail.get_body(("plain",)).get_content())
    assert match, mail
    return match.group(1), mail


def test_a_first_answer_needs_no_link_and_a_second_one_changes_nothing_until_the_link_is_used(mailnet):
    net = mailnet
    url = open_call(net)
    first = web_answer(url, ranks={0: 1})
    assert first.status_code == 200 and "enregistrée" in first.text
    net.deliver()
    assert net.smtp.messages == []  # a first answer is recorded at once, no e-mail

    # Knowing the name and the e-mail is not enough any more.
    second = web_answer(url, structure_name="aci les  JARDINS", ranks={1: 1}, needs="Un local")
    assert second.status_code == 202 and "c•••@jardins.example" in second.text, second.text
    assert "Rien n’a encore changé" in second.text
    [row] = answers(net)
    assert row.themes == ["Alimentation"] and row.needs == "Des débouchés"

    link, mail = link_in_mail(net)
    assert net.smtp.envelopes[-1]["rcpt_tos"] == ["camille@jardins.example"]
    assert "ACI Les Jardins" in mail["Subject"]
    http = requests.Session()
    page = http.get(link, timeout=10)
    assert page.status_code == 200 and 'value="Des débouchés"' not in page.text  # textarea, not attribute
    assert "Des débouchés" in page.text and "Vous modifiez la réponse" in page.text
    edit = re.search(r'name="edit" value="([^"]+)"', page.text).group(1)
    changed = http.post(link, data={"csrf_token": csrf_of(page.text), "edit": edit,
                                    "structure_name": "ACI Les Jardins", "contact_name": "Camille Martin",
                                    "contact_email": "camille@jardins.example", "rank_1": "1", "rank_2": "2",
                                    "needs": "Un local"}, timeout=10)
    assert changed.status_code == 200 and "mise à jour" in changed.text, changed.text
    [row] = answers(net)
    assert row.themes == ["Mobilité", "Réemploi"] and row.needs == "Un local"


def test_a_stranger_cannot_take_an_answer_over_and_the_link_goes_to_the_contact(mailnet):
    net = mailnet
    url = open_call(net)
    web_answer(url, ranks={0: 1})
    stranger = web_answer(url, structure_name="ACI Les Jardins", contact_email="intrus@example.org",
                          contact_name="Intrus", ranks={2: 1})
    assert stranger.status_code == 202 and "intrus" not in stranger.text
    link, _mail = link_in_mail(net)
    assert net.smtp.envelopes[-1]["rcpt_tos"] == ["camille@jardins.example"]  # never the stranger
    [row] = answers(net)
    assert row.contact_email == "camille@jardins.example" and row.themes == ["Alimentation"]

    # Look-alike names are the same structure.
    cyrillic = web_answer(url, structure_name="\u0410CI Les J\u0430rdins", contact_email="intrus@example.org",
                          ranks={2: 1})
    assert cyrillic.status_code == 202
    assert len(answers(net)) == 1


def test_many_requests_send_one_e_mail(mailnet):
    net = mailnet
    url = open_call(net)
    web_answer(url, ranks={0: 1})
    for _ in range(4):
        assert web_answer(url, contact_email="intrus@example.org", ranks={1: 1}).status_code == 202
    net.deliver()
    assert len(net.smtp.wait_for(1)) == 1
    assert len(net.smtp.wait_for(2, timeout=0.5)) == 1


def test_forged_expired_and_outdated_links_are_refused(mailnet, monkeypatch):
    net = mailnet
    url = open_call(net)
    web_answer(url, ranks={0: 1})
    web_answer(url, ranks={1: 1})
    link, _mail = link_in_mail(net)
    assert requests.get(link[:-3] + "AAA", timeout=10).status_code == 410
    forged = requests.post(url, data={"edit": "forged", "structure_name": "ACI Les Jardins"}, timeout=10)
    assert forged.status_code in (400, 410)

    from plugin.features.ami import usecases

    monkeypatch.setattr(usecases, "EDIT_LINK_MAX_AGE", timedelta(seconds=-1))
    expired = requests.get(link, timeout=10)
    assert expired.status_code == 410 and "expiré" in expired.text
    monkeypatch.undo()

    # The contact changes its address: links sent to the old one stop working.
    http = requests.Session()
    page = http.get(link, timeout=10)
    edit = re.search(r'name="edit" value="([^"]+)"', page.text).group(1)
    moved = http.post(link, data={"csrf_token": csrf_of(page.text), "edit": edit, "structure_name": "ACI Les Jardins",
                                  "contact_name": "Camille", "contact_email": "camille@nouveau.example",
                                  "rank_0": "1"}, timeout=10)
    assert moved.status_code == 200
    assert requests.get(link, timeout=10).status_code == 410


def test_the_messages_speak_english_on_request(mailnet):
    net = mailnet
    url = open_call(net)
    http = requests.Session()
    http.get(url, params={"lang": "en"}, timeout=10)   # the page's language switch (the browser's is not asked)
    web_answer(url, http=http, ranks={0: 1})
    again = web_answer(url, http=http, ranks={1: 1})
    assert again.status_code == 202 and "has already answered" in again.text and "Nothing has changed" in again.text
    _link, mail = link_in_mail(net)
    assert mail["Subject"].startswith("Change the answer of ACI Les Jardins")


def test_in_chat_only_the_contact_changes_the_answer(mailnet):
    net = mailnet
    url = open_call(net)
    web_answer(url, ranks={0: 1})
    # Léa's Mattermost address is not the structure's contact: the contact gets a link.
    result = chat_answer(net, "lea", {"structure_name": "ACI Les Jardins", "contact_name": "Léa",
                                      "contact_email": "camille@jardins.example", "theme_1": "Réemploi"})
    assert result["status"] == 200 and not (result["response"] or {}).get("errors"), result
    net.deliver()
    # A bot may not post ephemerals on Mattermost: the private word comes as a direct message.
    private = dm_posts(net, "lea")[-1]["message"]
    assert "c•••@" in private and "jardins.example" in private and "Rien n’a encore changé" in private
    [row] = answers(net)
    assert row.themes == ["Alimentation"] and row.person_id is None
    assert net.smtp.wait_for(1) and net.smtp.envelopes[-1]["rcpt_tos"] == ["camille@jardins.example"]


def test_without_smtp_a_second_answer_is_refused_clearly(net):
    url = open_call(net)
    web_answer(url, ranks={0: 1})
    again = web_answer(url, ranks={1: 1})
    assert again.status_code == 409 and "a déjà répondu" in again.text and "/ami repondre" in again.text
    assert answers(net)[0].themes == ["Alimentation"]
