"""The round trip a user waits for: `/consortium info` against the built-in `/echo`, through a real Mattermost.

Both are run the way the web client runs them, `POST /api/v4/commands/execute`, by 20 users at once
(each with their own token), in the same consortium channel, through the same server, in the same
run, alternating slices (`compare` in benchmarks/load.py). For `/consortium info` Mattermost calls
Consortia (gunicorn, 2 workers) and relays its answer; `/echo` is answered inside Mattermost. The
ratios say what our command costs a user compared with a built-in one (goal: at most 1.2×).

    python benchmarks/real_mattermost.py [--quick] [--database sqlite|postgres]

The server comes from `CONSORTIA_TEST_MM_URL` and the other variables of
`eval "$(tools/mattermost-server/run up)"`, or is brought up (and down) here.
"""
from __future__ import annotations

import itertools
import os
import secrets
import shlex
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import ROOT  # noqa: E402
from benchmarks.database import drop_database, fresh_database, prepare_database  # noqa: E402
from benchmarks.load import compare, load  # noqa: E402
from benchmarks.options import arguments, databases  # noqa: E402
from benchmarks.reporting import report  # noqa: E402
from benchmarks.servers import free_port, start_baseline, start_service  # noqa: E402

RUN = ROOT / "tools" / "mattermost-server" / "run"
USERS = 20
PASSWORD = "Consortia-bench-1"


def _exports(text: str) -> dict[str, str]:
    values = {}
    for line in text.splitlines():
        if line.startswith("export "):
            name, _, value = line[len("export "):].partition("=")
            values[name] = shlex.split(value)[0] if value else ""
    return values


class Admin:
    def __init__(self, url: str, token: str):
        self.url = url.rstrip("/") + "/api/v4"
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def __call__(self, method: str, path: str, body=None, **params):
        response = self.http.request(method, self.url + path, json=body, params=params or None, timeout=30)
        if response.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response.json() if response.content else {}


def _user(admin: Admin, team_id: str, name: str) -> str:
    """A user of the team with a personal token (created once; reused on a second run)."""
    found = admin.http.get(f"{admin.url}/users/username/{name}", timeout=30)
    user = found.json() if found.ok else admin("POST", "/users", {
        "username": name, "email": f"{name}@bench.example", "password": PASSWORD, "locale": "fr"})
    admin("POST", f"/teams/{team_id}/members", {"team_id": team_id, "user_id": user["id"]})
    return admin("POST", f"/users/{user['id']}/tokens", {"description": "bench"})["token"]


def _cli(env: dict, *args: str) -> str:
    consortia = Path(sys.executable).with_name("consortia")
    done = subprocess.run([str(consortia), *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"consortia {' '.join(args)}: {done.stdout}\n{done.stderr}")
    return done.stdout


def _direct(service, database: str, team: dict, channel: dict):
    """`/consortium info` posted straight to Consortia as Mattermost posts it, for the bench users in turn."""
    from sqlalchemy import select

    from models import Person, RegisteredCommand
    from models.db import make_engine

    engine = make_engine(database)
    with engine.connect() as connection:
        token = connection.scalar(select(RegisteredCommand.token).where(RegisteredCommand.trigger == "consortium"))
        people = connection.execute(select(Person.mattermost_user_id, Person.username).where(
            Person.username.like("bench%"), Person.mattermost_user_id.is_not(None))).all()
    engine.dispose()
    pool = itertools.cycle(people)
    lock = threading.Lock()

    def run(session: requests.Session) -> requests.Response:
        with lock:
            user_id, username = next(pool)
        return session.post(f"{service.url}/mattermost/command", headers={"Authorization": f"Token {token}"}, data={
            "token": token, "command": "/consortium", "text": "info", "user_id": user_id, "user_name": username,
            "channel_id": channel["id"], "channel_name": channel["name"], "team_id": team["id"],
            "team_domain": team["name"], "trigger_id": "", "response_url": ""}, timeout=30)
    return run


def main() -> int:
    parser = arguments("/consortium info vs the built-in /echo through a real Mattermost", seconds=20,
                       quick_seconds=4)
    parser.add_argument("--threads", type=int, default=4,
                        help="gunicorn threads per worker (gthread, as the README's production set-up; 1: sync)")
    parser.set_defaults(concurrency=USERS)
    args = parser.parse_args()
    seconds = args.seconds or (4 if args.quick else 20)
    rounds = 1 if args.quick else args.rounds
    started_here = not os.environ.get("CONSORTIA_TEST_MM_URL")
    env_up = dict(os.environ, MM_PORT=str(free_port()), MM_DB_NAME="consortia_bench_mattermost")
    if started_here:
        up = subprocess.run([str(RUN), "up"], env=env_up, capture_output=True, text=True, timeout=3600)
        if up.returncode != 0:
            print(up.stderr, file=sys.stderr)
            return 1
        server = _exports(up.stdout)
    else:
        server = dict(os.environ)
    url, version = server["CONSORTIA_TEST_MM_URL"], server.get("CONSORTIA_TEST_MM_VERSION", "?")
    database = fresh_database(databases(args)[0], name="consortia_bench_real_mm",
                              directory=tempfile.mkdtemp(prefix="consortia-bench-real-mm-"))
    prepare_database(database)
    try:
        admin = Admin(url, server["CONSORTIA_TEST_MM_ADMIN_TOKEN"])
        team = admin("GET", f"/teams/name/{server.get('CONSORTIA_TEST_MM_TEAM', 'reseau')}")
        # The bot, as an administrator sets it up (README, "Connecting a real Mattermost").
        found = admin.http.get(f"{admin.url}/users/username/consortia", timeout=30)
        bot = found.json() if found.ok else admin("POST", "/bots", {"username": "consortia",
                                                                    "display_name": "Consortia"})
        bot_id = bot.get("user_id") or bot["id"]
        admin("POST", f"/teams/{team['id']}/members", {"team_id": team["id"], "user_id": bot_id})
        admin("PUT", f"/users/{bot_id}/roles", {"roles": "system_user"})
        bot_token = admin("POST", f"/users/{bot_id}/tokens", {"description": "bench"})["token"]
        names = [f"bench{i:02d}" for i in range(USERS)]
        tokens = [_user(admin, team["id"], name) for name in names]
        mattermost_env = {"CONSORTIA_MATTERMOST_URL": url, "CONSORTIA_MATTERMOST_TOKEN": bot_token,
                          "CONSORTIA_MATTERMOST_TEAM": team["name"], "CONSORTIA_COMMAND_TOKENS": ""}
        threads = ["-k", "gthread", "--threads", str(args.threads)] if args.threads > 1 else []
        with start_service(database, workers=args.workers, extra_env=mattermost_env,
                           gunicorn_args=threads) as service:
            cli_env = dict(service.env, **{"CONSORTIA_MATTERMOST_TOKEN": server["CONSORTIA_TEST_MM_ADMIN_TOKEN"]})
            print(_cli(cli_env, "mattermost", "install"))
            groups = Path(service.workdir) / "groups.yaml"
            suffix = secrets.token_hex(3)  # a server may keep the channels of an earlier run
            groups.write_text(f"consortia:\n  - name: Banc d'essai {suffix}\n    members: [{', '.join(names)}]\n",
                              encoding="utf-8")
            print(_cli(dict(service.env), "provision", str(groups)))
            channel = admin("GET", f"/teams/{team['id']}/channels/name/banc-d-essai-{suffix}")
            pool = itertools.cycle(tokens)
            lock = threading.Lock()

            def as_a_user(command: str):
                def run(session: requests.Session) -> requests.Response:
                    if "Authorization" not in session.headers:
                        with lock:
                            session.headers["Authorization"] = f"Bearer {next(pool)}"
                    return session.post(f"{url}/api/v4/commands/execute", json={
                        "channel_id": channel["id"], "team_id": team["id"], "command": command}, timeout=30)
                return run

            # Each user's first command makes Consortia look them up once; that is not the steady state.
            load(as_a_user("/consortium info"), seconds=2, warmup=0, concurrency=USERS, quiet=True)
            measure = dict(rounds=rounds, seconds=seconds, baseline_expect=None, warmup=1, engine="python")
            rows = [compare(f"/consortium info vs /echo, {USERS} users", as_a_user("/consortium info"),
                            as_a_user("/echo bonjour"), expect="Banc d", concurrency=USERS, **measure),
                    compare("/consortium info vs /echo, 1 user", as_a_user("/consortium info"),
                            as_a_user("/echo bonjour"), expect="Banc d", concurrency=1,
                            **dict(measure, seconds=seconds / 2))]
            # What any custom command costs: a bare Flask endpoint registered as one (the floor), and
            # Consortia alone, sent the form Mattermost sends (its own share of the round trip).
            with start_baseline(workers=args.workers) as bare:
                floor = admin("POST", "/commands", {"team_id": team["id"], "trigger": f"plancher{suffix}",
                                                    "method": "P", "url": f"{bare.url}/command"})
                try:
                    rows.append(compare(f"bare Flask command vs /echo, {USERS} users",
                                        as_a_user(f"/plancher{suffix} x"), as_a_user("/echo bonjour"),
                                        expect="ok x", concurrency=USERS, **measure))
                    rows.append(compare(f"/consortium info vs bare Flask command, {USERS} users",
                                        as_a_user("/consortium info"), as_a_user(f"/plancher{suffix} x"),
                                        expect="Banc d", concurrency=USERS, **measure))
                finally:
                    admin("DELETE", f"/commands/{floor['id']}")
            alone = load(_direct(service, database, team, channel), seconds=seconds / 2, warmup=1,
                         concurrency=USERS, engine="python", expect="Banc d", quiet=True)
            print(f"Consortia alone (no Mattermost), {USERS} connections: {alone}")
        meta = {"consortia_alone": alone.as_dict(), "mattermost": version, "users": USERS, "seconds": seconds,
                "rounds": rounds, "database": databases(args)[0], "workers": args.workers, "threads": args.threads,
                "baseline": "the second command of each row, through the same server", "argv": sys.argv[1:]}
        document = report("real_mattermost", rows, write_json=not args.no_json, meta=meta)
        print(f"Mattermost {version} (goal: /consortium info at most 1.2× the latency of /echo)")
        for row in document["rows"]:
            ratio = row["ratios"]
            print(f"  {row['scenario']}: throughput {ratio['rps']:.2f}×, p50 {ratio['p50']:.2f}×, "
                  f"p99 {ratio['p99']:.2f}×")
    finally:
        drop_database(database)
        if started_here:
            subprocess.run([str(RUN), "down"], env=env_up, capture_output=True, text=True, timeout=300)
    return 0


if __name__ == "__main__":
    sys.exit(main())
