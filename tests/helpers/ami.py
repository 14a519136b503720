"""Calls for expressions of interest: open one, answer it from chat or from the public web form."""
from __future__ import annotations

import re

import requests
from sqlalchemy import select

from models import CallResponse

THEMES = "Alimentation, Mobilité, Réemploi"


def open_call(net, themes: str = THEMES, title: str = "AMI 2027") -> str:
    reply = net.reply("admin", f'/ami ouvrir "{title}" --themes "{themes}" --jusqu-au 2099-12-31')
    match = re.search(r"(http://127\.0\.0\.1:\d+/ami/[A-Za-z0-9_-]+)", reply)
    assert match, reply
    return match.group(1)


def open_call_page(net, title: str):
    """An admin's session, and a call opened through the page on three themes: (session, call id, its URL)."""
    from tests.helpers.web import admin_session

    http = admin_session(net)
    page = http.get(f"{net.server.url}/web/ami", timeout=10)
    opened = http.post(f"{net.server.url}/web/ami/open", data={
        "csrf_token": csrf_of(page.text), "title": title, "themes": THEMES,
        "deadline": "2099-06-30", "min_group_size": "2"}, timeout=10)
    call_id = int(re.search(r"/web/ami/(\d+)", opened.text).group(1))
    return http, call_id, f"{net.server.url}/web/ami/{call_id}"


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def web_answer(url: str, *, http: requests.Session | None = None, ranks: dict[int, int] | None = None,
               **fields) -> requests.Response:
    """GET the public form (cookie + CSRF token), then POST an answer."""
    http = http or requests.Session()
    page = http.get(url, timeout=10)
    assert page.status_code == 200, page.text[:300]
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if found:  # a closed call shows no form: a page opened earlier still posts its token
        http.csrf = found.group(1)
    data = {"csrf_token": getattr(http, "csrf", ""), "structure_name": "ACI Les Jardins", "siae_type": "ACI",
            "departement": "69", "contact_name": "Camille Martin", "contact_email": "camille@jardins.example",
            "can_bring": "Un atelier de maraîchage", "needs": "Des débouchés", "comment": ""}
    data.update(fields)
    for index, rank in (ranks if ranks is not None else {0: 1}).items():
        data[f"rank_{index}"] = str(rank)
    return http.post(url, data=data, timeout=10)


def chat_answer(net, username: str, submission: dict) -> dict:
    before = len(net.emulator.dialogs())
    reply = net.reply(username, "/ami repondre")
    assert "formulaire" in reply.lower(), reply
    assert len(net.emulator.dialogs()) == before + 1
    return net.emulator.submit_dialog(-1, username, submission)


def answers(net) -> list[CallResponse]:
    with net.db() as session:
        return list(session.scalars(select(CallResponse).order_by(CallResponse.id)))
