"""Prometheus metrics of this process."""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter("consortia_http_requests_total", "HTTP requests", ["endpoint", "status"], registry=REGISTRY)
LATENCY = Histogram("consortia_http_request_seconds", "HTTP request latency", ["endpoint"], registry=REGISTRY,
                    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
OUTBOX = Gauge("consortia_outbox_messages", "Outbox messages by status", ["status"], registry=REGISTRY)
DELIVERIES = Counter("consortia_outbox_deliveries_total", "Outbox delivery attempts", ["kind", "outcome"],
                     registry=REGISTRY)


def observe(endpoint: str, status: int, seconds: float) -> None:
    REQUESTS.labels(endpoint, str(status)).inc()
    LATENCY.labels(endpoint).observe(seconds)


def render() -> bytes:
    return generate_latest(REGISTRY)
