"""Watching deliveries: posts Mattermost created, and waiting on a state (never on a duration)."""
from __future__ import annotations

import time

POSTS = "/api/v4/posts"


def created_posts(log) -> int:
    return sum(1 for method, path, status in log if (method, path, status) == ("POST", POSTS, 201))


def wait_until(condition, timeout: float = 90.0, step: float = 0.1) -> bool:
    """Poll ``condition`` (a state, never a duration, decides the outcome); False on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()
