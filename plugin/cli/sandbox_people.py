"""Who is who in the sandbox: the emulator's accounts with what Consortia knows of them (the network's
facilitators, the consortiums each is a member of, the foundation each represents)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from models import Consortium, Membership, Organisation, Person
from plugin.i18n import _, ngettext


@dataclass
class Roles:
    facilitator: bool = False
    consortia: list[str] = field(default_factory=list)      # slugs
    represents: str | None = None                          # a foundation's short name
    organisation: str | None = None                        # another organisation's short name


class Directory:
    def __init__(self, services, emulator):
        self.services, self.emulator = services, emulator

    def consortia(self) -> list[Consortium]:
        with self.services.db.reader() as session:
            return list(session.scalars(select(Consortium).where(Consortium.archived_at.is_(None))))

    def _roles(self) -> dict[str, Roles]:
        admins = set(self.services.settings.admins)
        found: dict[str, Roles] = {}
        with self.services.db.reader() as session:
            for person, organisation in session.execute(
                    select(Person, Organisation).outerjoin(Organisation, Organisation.id == Person.organisation_id)
                    .where(Person.erased_at.is_(None))):
                roles = found.setdefault(person.username, Roles())
                if organisation is not None:
                    if organisation.kind in ("foundation", "fund"):
                        roles.represents = organisation.short_name
                    else:
                        roles.organisation = organisation.short_name
            for username, slug in session.execute(
                    select(Person.username, Consortium.slug).join(Membership, Membership.person_id == Person.id)
                    .join(Consortium, Consortium.id == Membership.consortium_id)
                    .where(Membership.left_at.is_(None), Consortium.archived_at.is_(None)).order_by(Consortium.slug)):
                found.setdefault(username, Roles()).consortia.append(slug)
        for username in admins:
            found.setdefault(username, Roles()).facilitator = True
        return found

    def _channel_slug(self, channel_id: str) -> str | None:
        with self.services.db.reader() as session:
            return session.scalar(select(Consortium.slug).where(
                (Consortium.channel_id == channel_id) | (Consortium.dialogue_channel_id == channel_id)))

    def role_of(self, username: str, channel_id: str) -> str:
        """What ``username`` is, where they are: for the prompt."""
        roles = self._roles().get(username, Roles())
        here = self._channel_slug(channel_id)
        words = []
        if roles.facilitator:
            words.append(_("network facilitator"))
        if here and here in roles.consortia:
            words.append(_("member of this consortium"))
        if roles.represents:
            words.append(_("representative of {foundation}", foundation=roles.represents))
        if not words:
            words.append(ngettext("member of {n} consortium", "member of {n} consortiums", len(roles.consortia))
                         if roles.consortia else _("no consortium yet"))
        return ", ".join(words)

    def listing(self) -> str:
        """Every account of the sandbox, with its roles."""
        roles = self._roles()
        lines = [_("The sandbox's people:")]
        users = sorted((u for u in self._accounts() if not u.get("is_bot")), key=lambda u: u["username"])
        for user in users:
            mine = roles.get(user["username"], Roles())
            words = []
            if mine.facilitator:
                words.append(_("network facilitator (admin)"))
            if mine.consortia:
                words.append(_("member of {consortia}", consortia=", ".join(mine.consortia)))
            if mine.represents:
                words.append(_("representative of the foundation {foundation}", foundation=mine.represents))
            if mine.organisation:
                words.append(mine.organisation)
            if "system_guest" in (user.get("roles") or ""):
                words.append(_("guest account"))
            name = f"{user.get('first_name', '')} {user.get('last_name', '')}".strip()
            lines.append(f"  @{user['username']:<8} {name:<16} " + ("; ".join(words) or _("no consortium yet")))
        return "\n".join(lines)

    def _accounts(self) -> list[dict]:
        team = self.emulator.team(self.services.settings.mattermost_team)
        return [self.emulator.user_by_id(uid) for uid in self.emulator.team_members(team["id"])]
