"""What a user sees of tierwise, captured as JSON, to prove a restructuring changed none of it.

The capture drives only the public surfaces — the `tierwise` CLI (in process, through
Typer's runner) and the REST API (through FastAPI's test client) — over the demo world
(`data generate --scale small --seed 7`), so it survives any move of the modules behind
them. Values that differ between two honest runs (run ids, instants of "now", tokens) are
replaced by stable placeholders; everything else is compared as it is.

    python -m tests.equivalence.capture --refresh   # rewrite the snapshot (review the diff!)

The snapshot was taken at commit 4997942, before the vertical-slice restructuring
(issue 10); refresh it only for an intended change, and say so in CHANGELOG.md.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

SNAPSHOT = Path(__file__).parent / "snapshot.json.gz"
PASSWORD = "correct horse battery"

#: (program, periods evaluated alone, the range run with history)
PROGRAMS: list[tuple[str, list[str], tuple[str, str]]] = [
    ("buyin-mcn", ["2026-08", "2026-09"], ("2026-04", "2026-09")),
    ("douyin-jixing-mcn", ["2026-09"], ("2026-04", "2026-09")),
    ("tts-sea-isv", ["2026Q3"], ("2025Q4", "2026Q3")),
    ("tts-th-tsp-shop", ["2026Q3"], ("2025Q4", "2026Q3")),
    ("tts-th-tsp-content", ["2026Q3"], ("2025Q4", "2026Q3")),
]

#: A run id names its inputs' digest, and a preview's inputs include today's date.
_RUN_ID = re.compile(r"\brun-[a-z0-9-]+?-[0-9a-f]{12}\b")
_NOW = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")
#: Keys whose values are instants of the capture itself (not of the data).
_VOLATILE_KEYS = {
    "created_at",
    "published_at",
    "at",
    "expires_at",
    "decided_at",
    "decided_on",  # a decision made by the capture is dated the day it runs
    "recorded_at",
    "sent_at",
    "signed_in_at",
    "access_token",
    "hash",
    "prev_hash",
    "head",
    "head_hash",
    "entry_hash",
    "version",
}


_TODAY = date.today().isoformat()


class Normalizer:
    """Stable placeholders for run ids (numbered in order of first appearance) and for
    instants of the capture."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}

    def _id(self, match: re.Match[str]) -> str:
        return self.ids.setdefault(match.group(0), f"<id{len(self.ids)}>")

    def __call__(self, value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            return {_RUN_ID.sub(self._id, k): self(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v, key) for v in value]
        if isinstance(value, str):
            if key in _VOLATILE_KEYS:
                return "<volatile>"
            if _NOW.match(value) and value[:4] >= "2026" and value[:10] > "2026-10-31":
                return "<now>"
            if value == _TODAY:  # e.g. a decision's effective day defaults to the day it is made
                return "<today>"
            return _RUN_ID.sub(self._id, value)
        return value


def _cli(args: list[str], stdin: str | None = None) -> tuple[int, str]:
    import importlib

    import tierwise.cli as cli

    for name in cli._COMMAND_MODULES:  # what `tierwise.cli.main` registers before it runs
        importlib.import_module(name)
    result = CliRunner().invoke(cli.app, args, input=stdin, catch_exceptions=False)
    return result.exit_code, result.stdout


@contextmanager
def _world(folder: Path) -> Iterator[tuple[Path, Path, str]]:
    data = folder / "data"
    db = folder / "events.duckdb"
    state = f"sqlite:///{folder / 'state.db'}"
    code, _ = _cli(["data", "generate", "--out", str(data), "--scale", "small", "--seed", "7"])
    assert code == 0
    code, _ = _cli(["data", "load", str(data), "--db", str(db)])
    assert code == 0
    yield data, db, state


def capture(folder: Path) -> dict[str, Any]:
    """Every answer of the capture, by a readable name, normalized."""
    norm = Normalizer()
    out: dict[str, Any] = {}
    with _world(folder) as (_data, db, state):
        for program, periods, (first, last) in PROGRAMS:
            for period in periods:
                code, text = _cli(
                    ["evaluate", program, "--period", period, "--db", str(db), "--format", "json"]
                )
                out[f"cli evaluate {program} {period}"] = _cli_answer(code, text)
            if program.startswith("tts-th-tsp-"):  # only registered TSPs are awarded
                code, _ = _cli(
                    [
                        "tsp", "register-all", "--program", program, "--from", first,
                        "--to", last, "--db", str(db), "--state", state, "--actor", "capture",
                    ]
                )  # fmt: skip
                assert code == 0, program
            code, text = _cli(
                [
                    "run", program, "--from", first, "--to", last, "--db", str(db),
                    "--state", state, "--format", "json", "--publish", "--actor", "capture",
                ]
            )  # fmt: skip
            out[f"cli run {program} {first}..{last}"] = _cli_answer(code, text)
        for login, role, extra in _USERS:
            code, _ = _cli(
                [
                    "users",
                    "add",
                    login,
                    "--role",
                    role,
                    *extra,
                    "--password-stdin",
                    "--state",
                    state,
                ],
                stdin=PASSWORD + "\n",
            )
            assert code == 0, login
        out.update(_api(db, state))
    return norm(out)


def _cli_answer(code: int, text: str) -> dict[str, Any]:
    """The JSON of a CLI answer, and the digest of its bytes: the CLI's JSON must stay
    byte-identical, not only equal in content."""
    return {
        "exit": code,
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
        "json": json.loads(text),
    }


#: One user of every role (subjects of the demo world).
_USERS: list[tuple[str, str, list[str]]] = [
    ("ops", "operator", []),
    ("agency", "partner", ["--partner", "mcn-cn-0003", "--language", "zh"]),
    ("isv", "partner", ["--partner", "isv-th-0001"]),
    ("tsp", "partner", ["--partner", "tsp-th-0002"]),
]


def _api(db: Path, state: str) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from tierwise.server.app import create_app
    from tierwise.web.context import Portal

    out: dict[str, Any] = {}
    app = create_app(Portal.open(state, db), close_portal=True)
    with TestClient(app) as client:

        def token(login: str) -> dict[str, str]:
            reply = client.post("/api/v1/tokens", json={"login": login, "password": PASSWORD})
            assert reply.status_code == 201, reply.text
            return {"Authorization": f"Bearer {reply.json()['access_token']}"}

        def get(name: str, login: str, path: str) -> Any:
            reply = client.get(path, headers=headers[login])
            body = reply.json() if reply.content else None
            out[f"GET {path} as {login}"] = {"status": reply.status_code, "json": body}
            return body

        def send(login: str, method: str, path: str, body: Any) -> Any:
            reply = client.request(method, path, headers=headers[login], json=body)
            answer = reply.json() if reply.content else None
            out[f"{method} {path} as {login} {json.dumps(body, sort_keys=True)}"] = {
                "status": reply.status_code,
                "json": answer,
            }
            return answer

        headers = {login: token(login) for login, _, _ in _USERS}
        get("health", "ops", "/api/v1/health")
        for login, _, _ in _USERS:
            get("me", login, "/api/v1/me")
        programs = get("programs", "ops", "/api/v1/programs")
        for p in programs:
            pid = p["id"]
            get("program", "ops", f"/api/v1/programs/{pid}")
            periods = get("periods", "ops", f"/api/v1/programs/{pid}/periods")
            get("distribution", "ops", f"/api/v1/programs/{pid}/distribution")
            if periods:
                last = periods[-1]["period"] if isinstance(periods[-1], dict) else periods[-1]
                get("distribution", "ops", f"/api/v1/programs/{pid}/distribution?period={last}")
        runs = get("runs", "ops", "/api/v1/runs?limit=200")
        for r in runs["items"][:3] + runs["items"][-2:]:
            rid = r["id"]
            get("run", "ops", f"/api/v1/runs/{rid}")
            get("results", "ops", f"/api/v1/runs/{rid}/results?limit=20")
            get("diff", "ops", f"/api/v1/runs/{rid}/diff")
        for login in ("ops", "agency", "isv", "tsp"):
            get("partners", login, "/api/v1/partners?limit=30")
            get("partners", login, "/api/v1/partners?limit=10&q=a&offset=5")
        for login, partner in (
            ("agency", "mcn-cn-0003"),
            ("isv", "isv-th-0001"),
            ("tsp", "tsp-th-0002"),
            ("ops", "mcn-cn-0003"),
            ("agency", "mcn-cn-0004"),
        ):
            get("partner", login, f"/api/v1/partners/{partner}")
            get("dashboard", login, f"/api/v1/partners/{partner}/dashboard")
            get("outbox", login, f"/api/v1/partners/{partner}/outbox")
            for program, _, _ in PROGRAMS:
                get("result", login, f"/api/v1/partners/{partner}/programs/{program}/result")
                get("history", login, f"/api/v1/partners/{partner}/programs/{program}/history")
        get("decisions", "ops", "/api/v1/decisions")
        get("outbox", "ops", "/api/v1/outbox?limit=25")
        get("outbox", "ops", "/api/v1/outbox?limit=25&offset=50")
        # Writes: a preview, its diff, a decision, appeals, a publish.
        preview = send(
            "ops", "POST", "/api/v1/runs", {"program_id": "buyin-mcn", "period": "2026-09"}
        )
        send("agency", "POST", "/api/v1/runs", {"program_id": "buyin-mcn", "period": "2026-09"})
        send(
            "ops",
            "POST",
            "/api/v1/decisions",
            {
                "program_id": "buyin-mcn",
                "kind": "override",
                "partner_id": "mcn-cn-0005",
                "level": "V2",
                "mode": "floor",
                "until": "2026-12-31",
                "reason": "campaign support",
            },
        )
        send(
            "ops",
            "POST",
            "/api/v1/decisions",
            {"program_id": "buyin-mcn", "kind": "nonsense", "partner_id": "x"},
        )
        send(
            "ops",
            "POST",
            "/api/v1/appeals",
            {"program_id": "tts-th-tsp-content", "reason": "capture"},
        )
        if isinstance(preview, dict) and "id" in preview:
            rid = preview["id"]
            get("diff", "ops", f"/api/v1/runs/{rid}/diff")
            send("ops", "POST", f"/api/v1/runs/{rid}/publish", {"reason": "capture"})
        get("decisions", "ops", "/api/v1/decisions")
        get("audit", "ops", "/api/v1/audit?limit=50")
        get("audit", "ops", "/api/v1/audit/verify")
        get("outbox", "ops", "/api/v1/outbox?limit=10")
        get("openapi", "ops", "/api/v1/openapi.json")
    return out


def load_snapshot() -> dict[str, Any]:
    with gzip.open(SNAPSHOT, "rt", encoding="utf-8") as f:
        snapshot: dict[str, Any] = json.load(f)
    return snapshot


def main() -> None:
    import tempfile

    if "--refresh" not in sys.argv:
        sys.exit("usage: python -m tests.equivalence.capture --refresh")
    with tempfile.TemporaryDirectory() as tmp:
        captured = capture(Path(tmp))
    with gzip.GzipFile(SNAPSHOT, "wb", mtime=0) as f:
        f.write(json.dumps(captured, indent=1, sort_keys=True, ensure_ascii=False).encode())
    print(f"{SNAPSHOT}: {len(captured)} answers")


if __name__ == "__main__":
    main()
