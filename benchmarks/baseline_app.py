"""The baseline: a bare Flask app with one JSON endpoint (PRODUCT.md §6 "Speed", §8 "Baseline").

Served exactly like the service (gunicorn, same workers, same loopback, same load
generator), it is the ceiling every benchmark divides by: a ratio of 0.5 req/s
means "half as many requests per second as Flask doing nothing at all".

The endpoint accepts GET and POST on any path so that the very same request a
benchmark sends to the service (e.g. a slash command form) can be replayed against
it; it reads the form (as Flask does for the service) and answers a small JSON body
shaped like a slash command response.

    gunicorn -w 2 -b 127.0.0.1:8000 benchmarks.baseline_app:app   # from the repository root
"""
from __future__ import annotations

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")


@app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
@app.route("/<path:path>", methods=["GET", "POST"])
def endpoint(path: str):
    text = request.form.get("text", "") if request.method == "POST" else ""
    return jsonify(response_type="ephemeral", text=f"ok {text[:20]}")
