"""Whose language a text is written in: a consortium's channel, or one person."""
from __future__ import annotations

from models import Consortium, Person
from plugin.i18n import normalize_locale


def channel_locale(settings, consortium: Consortium | None = None) -> str:
    """The language of the posts in a consortium's channel. There is no per-consortium language
    yet: the network's default (``CONSORTIA_LOCALE``)."""
    return normalize_locale(settings.locale)


def person_locale(settings, person: Person) -> str:
    """The language a person chose (or Mattermost's), else the network's default."""
    return normalize_locale(person.locale or settings.locale)
