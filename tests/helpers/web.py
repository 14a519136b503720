"""The web pages: a magic link, signing in with it, an admin's session."""
from __future__ import annotations

import re

import requests
from sqlalchemy import select

from models import Consortium
from tests.helpers.ami import csrf_of


def magic_link(net, username: str = "admin") -> str:
    reply = net.reply(username, "/consortium admin")
    match = re.search(r"(http://127\.0\.0\.1:\d+/web/login\?token=\S+)", reply)
    assert match, reply
    return match.group(1)


def sign_in(link: str, http: requests.Session | None = None) -> tuple[requests.Session, requests.Response]:
    http = http or requests.Session()
    page = http.get(link, timeout=10)
    assert page.status_code == 200, page.text[:400]
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
    response = http.post(link.split("?")[0], data={"csrf_token": csrf_of(page.text), "token": token}, timeout=10)
    return http, response


def admin_session(net) -> requests.Session:
    http, response = sign_in(magic_link(net))
    assert response.status_code == 200 and "Tous les consortiums" in response.text, response.text[:500]
    return http


def create_consortium(net, name: str = "Alimentation durable", members: str = "@ines @samir") -> str:
    net.reply("admin", f'/consortium creer "{name}" --theme "Alimentation" --membres {members}')
    net.deliver()
    with net.db() as session:
        return session.scalar(select(Consortium.slug).where(Consortium.name == name))
