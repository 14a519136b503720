"""Names of several words typed without quotes: `/role attribuer chef de file ACI Lyon Sud`,
`/engagement ajouter ACI Lyon Sud Animation des ateliers`.

The parser cannot tell where a role or an organisation ends; the registers can. The positional words
(a quoted one whole) are split against the names the registers know (``kernel.names.match_known_name``:
case, accents, hyphens and look-alike letters aside). A role then an organisation must take every word:
one reading is taken, several are refused with the quoted forms to type, and an organisation nobody
knows is named whole, with the quoted form. An organisation then free text: the longest organisation
name wins; two organisations with that full name are asked about.
"""
from __future__ import annotations

from typing import Sequence

from models import Network, Organisation
from plugin.i18n import Deferred, _l, deferred, get_locale
from plugin.kernel.errors import Invalid, NotFound
from plugin.kernel.names import match_known_name

from plugin.features.registers.organisations import named, starting_with, unknown
from plugin.features.registers.roles import ALIASES, BUILTIN, RoleInfo


def _role_names(roles: list[RoleInfo]) -> dict[str, RoleInfo]:
    by_key = {role.key: role for role in roles}
    names: dict[str, RoleInfo] = {}
    for role in roles:
        names[role.key] = role
        if role.custom:
            names[str(role.label)] = role
        else:
            names[BUILTIN[role.key][0].in_locale("fr")] = role
            names[BUILTIN[role.key][0].in_locale("en")] = role
    for alias, key in ALIASES.items():
        names.setdefault(alias, by_key[key])
    return names


def _prefixes(words: Sequence[str], known: dict) -> list[tuple[int, object]]:
    """Every (length, named thing) such that the first ``length`` words are exactly a known name."""
    found = []
    for count in range(len(words) - 1, 0, -1):   # something must be left after the name
        match = match_known_name(words[:count], known)
        if match is not None and match.length == count:
            found.append((count, known[match.name]))
    return found


def _quoted(words: Sequence[str]) -> str:
    return " ".join(words)


# The sub-commands whose quoted forms are shown: (French word, English word).
_WORDS = {("role", "assign"): ("attribuer", "assign"), ("role", "unassign"): ("retirer", "unassign"),
          ("engagement", "add"): ("ajouter", "add")}


def quoted_form(trigger: str, sub: str, *names: str) -> Deferred:
    """```/role attribuer "chef-de-file" "ACI-Lyon-Sud"``` in the reader's language."""
    def make() -> str:
        word = _WORDS[(trigger, sub)][get_locale() == "en"]
        return f"`/{trigger} {word} " + " ".join(f'"{name}"' for name in names) + "`"

    return deferred(make)


def _ambiguous(words: Sequence[str], forms: list[Deferred]) -> Invalid:
    return Invalid(_l("“{words}” can be read in more than one way. Say which with quotes: {forms}.",
                      words=_quoted(words), forms=deferred(lambda: ", ".join(str(form) for form in forms))))


def with_quotes(form: Deferred):
    return _l("With quotes, the register knows where each name ends: {form}.", form=form)


def role_and_organisation(session, network: Network, roles: list[RoleInfo], words: Sequence[str],
                          command: str) -> tuple[RoleInfo, Organisation] | None:
    """`chef de file ACI Lyon Sud` as (role, organisation); None when no role starts the words (the caller
    says the role is unknown)."""
    heads = _prefixes(words, _role_names(roles))
    if not heads:
        return None
    organisations = starting_with(session, network, [words[length] for length, _role in heads])
    readings = [(role, organisation) for length, role in heads for organisation in named(organisations, words[length:])]
    if len(readings) == 1:
        return readings[0]
    if readings:
        raise _ambiguous(words, [quoted_form("role", command, role.key, org.short_name) for role, org in readings])
    length, role = heads[0]                      # the longest role: the rest names an unknown organisation
    rest = _quoted(words[length:])
    raise NotFound(unknown(session, network, rest).lazy_message,
                   usage=with_quotes(quoted_form("role", command, role.key, rest)))


def organisation_and_rest(session, network: Network, words: Sequence[str]) -> tuple[Organisation, str] | None:
    """`ACI Lyon Sud Animation des ateliers` as (the organisation, what follows): the longest organisation
    name the words start with (`ACI Lyon Sud` rather than `ACI Lyon`); None when none does."""
    organisations = starting_with(session, network, words[:1])
    heads = _prefixes(words, {name: None for o in organisations for name in (o.short_name, o.name)})
    if not heads:
        return None
    length = heads[0][0]
    readings = named(organisations, words[:length])
    rest = _quoted(words[length:])
    if len(readings) > 1:
        raise _ambiguous(words, [quoted_form("engagement", "add", org.short_name, rest) for org in readings])
    return readings[0], rest
