"""The people directory backed by Mattermost's REST API."""
from __future__ import annotations

from datetime import timedelta

from integrations.mattermost.client import MattermostBadRequest, MattermostClient, MattermostNotFound
from plugin.kernel.people import UserInfo


def user_info(user: dict) -> UserInfo:
    roles = (user.get("roles") or "").split()
    display = " ".join(x for x in (user.get("first_name"), user.get("last_name")) if x) or user.get("nickname") or ""
    return UserInfo(
        id=user["id"], username=user["username"], email=user.get("email") or None, display_name=display,
        locale=user.get("locale") or None, is_system_admin="system_admin" in roles,
        is_guest="system_guest" in roles, is_bot=bool(user.get("is_bot")),
    )


class MattermostDirectory:
    online = True

    def __init__(self, client: MattermostClient, ttl: timedelta):
        self.client = client
        self.ttl = ttl

    def user_by_id(self, user_id: str) -> UserInfo | None:
        try:
            return user_info(self.client.get_user(user_id))
        except (MattermostNotFound, MattermostBadRequest):  # 400: not even shaped like an id
            return None

    def users_by_usernames(self, usernames: list[str]) -> list[UserInfo]:
        return [user_info(user) for user in self.client.get_users_by_usernames(usernames)]
