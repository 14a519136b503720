"""Fault injection and the request log: answers that fail, come late or never come, and the
record of every request served (what tests wait on instead of sleeping)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable

from werkzeug.wrappers import Response

from .base import (
    RATE_LIMIT_BURST, RATE_LIMIT_PER_SECOND, EmulatorAppError, error_response, json_response,
)

LogEntry = tuple[str, str, int]  # (method, path, status)


@dataclass
class FailRule:
    """The next ``count`` matching requests are answered ``status`` instead of being served."""

    status: int
    count: int
    path_contains: str | None
    method: str | None
    headers: dict[str, str]
    body: Any


@dataclass
class Fault:
    """A request served normally, then answered late (``delay`` seconds) or not at all (``drop``)."""

    delay: float
    drop: bool
    count: int
    skip: int
    path_contains: str | None
    method: str | None


class Faults:
    """Failure rules, delayed and dropped answers, and the request log, under the state's lock."""

    def __init__(self, lock: threading.RLock) -> None:
        self.lock = lock
        self.fail_rules: list[FailRule] = []
        self.faults: list[Fault] = []
        self.release = threading.Event()
        self.log: list[LogEntry] = []
        self.log_changed = threading.Condition(lock)

    # ---------------------------------------------------------------- arming

    def fail_next(self, status: int, *, count: int = 1, path_contains: str | None = None,
                  method: str | None = None, headers: dict[str, str] | None = None, body: Any = None) -> None:
        with self.lock:
            self.fail_rules.append(FailRule(status, count, path_contains, method.upper() if method else None,
                                            dict(headers or {}), body))

    def add_fault(self, *, delay: float, drop: bool, count: int, skip: int, path_contains: str | None,
                  method: str | None) -> None:
        with self.lock:
            self.faults.append(Fault(delay, drop, count, skip, path_contains, method.upper() if method else None))

    def release_delayed(self) -> None:
        with self.lock:
            released, self.release = self.release, threading.Event()
        released.set()

    def clear(self) -> None:
        with self.lock:
            self.fail_rules.clear()
            self.faults.clear()
        self.release_delayed()

    # ---------------------------------------------------------------- serving

    def take_failure(self, method: str, path: str) -> FailRule | None:
        with self.lock:
            for rule in self.fail_rules:
                if rule.method and rule.method != method:
                    continue
                if rule.path_contains and rule.path_contains not in path:
                    continue
                rule.count -= 1
                if rule.count <= 0:
                    self.fail_rules.remove(rule)
                return rule
        return None

    @staticmethod
    def failure_response(rule: FailRule, request_id: str) -> Response:
        headers = dict(rule.headers)
        if rule.status == 429:
            # As Mattermost 11.4's rate limiter answers: plain text, Retry-After for the next request,
            # X-Ratelimit-Reset for the whole bucket (about burst ÷ rate seconds).
            headers.setdefault("X-Ratelimit-Limit", str(RATE_LIMIT_BURST + 1))
            headers.setdefault("X-Ratelimit-Remaining", "0")
            headers.setdefault("X-Ratelimit-Reset", str(RATE_LIMIT_BURST // RATE_LIMIT_PER_SECOND + 1))
            headers.setdefault("Retry-After", "1")
            if rule.body is None:
                return Response("limit exceeded\n", status=429, headers=headers,
                                content_type="text/plain; charset=utf-8")
        if rule.body is None:
            return error_response(EmulatorAppError(rule.status, "api.emulator.injected_failure",
                                                   "Injected failure."), request_id, headers)
        if isinstance(rule.body, (str, bytes)):
            return Response(rule.body, status=rule.status, headers=headers)
        return json_response(rule.body, rule.status, headers)

    def record(self, method: str, path: str, status: int) -> tuple[Fault | None, threading.Event]:
        """Log a served request; the fault its answer suffers (if any) and the event that releases it."""
        with self.lock:
            self.log.append((method, path, status))
            self.log_changed.notify_all()
            return self._take_fault(method.upper(), path), self.release

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if (fault.method and fault.method != method) or (fault.path_contains and fault.path_contains not in path):
                continue
            if fault.skip > 0:
                fault.skip -= 1
                continue
            fault.count -= 1
            if fault.count <= 0:
                self.faults.remove(fault)
            return fault
        return None

    # ---------------------------------------------------------------- the log

    def entries(self) -> list[LogEntry]:
        with self.lock:
            return list(self.log)

    def wait_for(self, predicate: Callable[[list[LogEntry]], bool], timeout: float) -> bool:
        with self.log_changed:
            return self.log_changed.wait_for(lambda: predicate(list(self.log)), timeout)

    def clear_log(self) -> None:
        with self.lock:
            self.log.clear()
