"""Fakes for the fast tier: a directory answering from a dict, a runtime with a set clock and no server."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from plugin.kernel.clock import FixedClock
from plugin.kernel.people import NetworkCache, UserInfo

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)


def user(name: str) -> UserInfo:
    """A Mattermost account named ``name`` (its id is derived from the name)."""
    return UserInfo(id=f"{name:a<26}"[:26], username=name, email=f"{name}@example.org", locale="fr")


class FakeDirectory:
    """Mattermost's word on people, from a dict."""

    online = True
    ttl = timedelta(minutes=5)

    def __init__(self, *users: UserInfo):
        self.users = {u.id: u for u in users}

    def user_by_id(self, user_id: str) -> UserInfo | None:
        return self.users.get(user_id)

    def users_by_usernames(self, usernames: list[str]) -> list[UserInfo]:
        return [u for u in self.users.values() if u.username in usernames]


class FakeMattermost:
    """Records the forms opened."""

    def __init__(self):
        self.dialogs: list[tuple[str, str, dict]] = []

    def open_dialog(self, trigger_id: str, url: str, payload: dict) -> None:
        self.dialogs.append((trigger_id, url, payload))


class FakeRuntime:
    """What the runner and the adapters need of ``plugin.app.Services``, without any server."""

    base_url = "http://consortia.test"

    def __init__(self, settings, db, directory, registry=None):
        from plugin.frontdoor.runner import Runner
        from plugin.security import Signer

        self.settings, self.db, self.directory = settings, db, directory
        self.signer = Signer(settings.secret_key)
        self.clock = FixedClock(NOW)
        self.networks = NetworkCache()
        self.client = FakeMattermost()
        self.woken = 0
        if registry is None:
            from plugin.frontdoor.registry import registry as built

            registry = built()
        self.registry = registry
        self.runner = Runner(self, registry)

    def mattermost(self, *, interactive: bool = False):
        return self.client

    def admin_ids(self, session) -> frozenset[str]:
        return frozenset()

    def notify_outbox(self) -> None:
        self.woken += 1
