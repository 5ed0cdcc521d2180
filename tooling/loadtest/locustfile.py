"""The mixed workload of `make loadtest`, for Locust (run by tooling/loadtest/run.py, never by hand).

Everything it needs comes from the JSON file named by LOADTEST_CONFIG (written by the run): the
personas' API tokens, the hotline API keys, points inside each inspector's grids, the categories, the
rates of each stream (tooling/loadtest/profile.py) and two output files:

- the request log: one line per request (when it was answered, as a Unix time; operation,
  milliseconds, status, error), from which the run computes throughput and p50/p95/p99 per operation and per phase;
- the ledger: every write the platform *accepted* (a 201 report, a 202/200 ticket, a 200 action), so
  the run can prove afterwards that none of them was lost.

The centre's staff work a pipeline kept here: a case the platform answered for moves to the next
person's queue, so every action is legal when it is sent; a refusal (409) is therefore an error.
Each action is preceded by its actor's queue view, as at a desk.
"""

import json
import os
import random
import time
from collections import deque
from datetime import datetime, timedelta, timezone
from pathlib import Path

from locust import FastHttpUser, constant_throughput, events, task
from urllib3 import encode_multipart_formdata

CONFIG = json.loads(Path(os.environ["LOADTEST_CONFIG"]).read_text(encoding="utf-8"))
RATES = CONFIG["rates"]
USERS = CONFIG["users"]  # users per stream
CASES = "/api/v1/cases/"
rng = random.Random(CONFIG.get("seed", 1))

PHOTO = Path(CONFIG["photo"]).read_bytes()

_request_log = open(CONFIG["request_log"], "a", buffering=1, encoding="utf-8")
_ledger = open(CONFIG["ledger"], "a", buffering=1, encoding="utf-8")


@events.request.add_listener
def _log_request(request_type, name, response_time, response_length, response=None, exception=None, **kw):
    status = getattr(response, "status_code", 0) or 0
    error = "" if exception is None else str(exception).replace("\t", " ").replace("\n", " ")[:300]
    # Wall-clock time of the answer: the run puts its faults on the same clock.
    _request_log.write(f"{time.time():.3f}\t{name}\t{response_time:.1f}\t{status}\t{error}\n")


def accepted(kind: str, **fields) -> None:
    _ledger.write(json.dumps({"kind": kind, **fields}, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------------------------- the pipeline

# stage → deque of (case id, inspector username for the on-site steps)
PIPELINE: dict[str, deque] = {
    stage: deque()
    for stage in ("accept", "send_verify", "verify", "file", "dispatch", "submit_feedback", "check", "close")
}
NEXT = {
    "accept": "file",
    "send_verify": "verify",
    "verify": "file",
    "file": "dispatch",
    "dispatch": "submit_feedback",
    "submit_feedback": "check",
    "check": "close",
    "close": None,
}
SEEN_HOTLINE: set[int] = set()
# Where a case of each status goes next (after a failed click the case is looked up again).
AT_STATUS = {
    "reported": "accept",
    "verifying": "verify",
    "pending_filing": "file",
    "pending_dispatch": "dispatch",
    "in_progress": "submit_feedback",
    "pending_check": "check",
    "pending_closure": "close",
}
TRUSTED = {"inspector", "video", "leader"}
# Who works which stages, later stages first (finish a case before starting a new one); the operator
# takes 受理 and 派发核实 alike.
DESKS = {
    "operator": (("accept", "send_verify"),),
    "inspector": (("check",), ("verify",)),
    "shift_leader": (("close",), ("file",)),
    "dispatcher": (("dispatch",),),
    "department": (("submit_feedback",),),
}
# A desk's queue as its page shows it: oldest first, 25 to a page.
QUEUE_VIEW = {
    "operator": "?status=reported&ordering=created_at&page_size=25",
    "inspector": "?status=verifying&status=pending_check&ordering=created_at&page_size=25",
    "shift_leader": "?status=pending_filing&status=pending_closure&ordering=created_at&page_size=25",
    "dispatcher": "?status=pending_dispatch&ordering=created_at&page_size=25",
    "department": "?status=in_progress&ordering=created_at&page_size=25",
}


def _photo_body(fields: list[tuple]) -> tuple[bytes, str]:
    return encode_multipart_formdata([*fields, ("photos", ("scene.jpg", PHOTO, "image/jpeg"))])


def _token(username: str) -> dict:
    return {"Authorization": f"Token {CONFIG['tokens'][username]}"}


def _per_user(stream_rate: float, users: int) -> float:
    return max(stream_rate, 0.001) / max(users, 1)


# ---------------------------------------------------------------------------------- the streams


class Reporter(FastHttpUser):
    """监督员上报: a phone report with one photo, inside the inspector's own grids."""

    fixed_count = USERS["reports"]
    wait_time = constant_throughput(_per_user(RATES["reports"], USERS["reports"]))

    @task
    def report(self):
        inspector = rng.choice(list(CONFIG["points"]))
        lng, lat = rng.choice(CONFIG["points"][inspector])
        body, content_type = _photo_body(
            [
                ("category", str(rng.choice(CONFIG["categories"]))),
                ("lng", f"{lng:.7f}"),
                ("lat", f"{lat:.7f}"),
                ("description", "压测上报：路边有暴露垃圾，请尽快处理"),
                ("address", "压测地址"),
            ]
        )
        headers = {**_token(inspector), "Content-Type": content_type}
        with self.client.post(CASES, data=body, headers=headers, name="report", catch_response=True) as r:
            if r.status_code != 201:
                r.failure(f"{r.status_code}: {r.text[:200]}")
                if not _saved(r):
                    return
            case = r.json()["id"]  # 201, or a 503 that says the report is in all the same
            accepted("report", case=case)
            PIPELINE["accept"].append((case, inspector))


class HotlineSystem(FastHttpUser):
    """12345 / 8890 pushing tickets to the intake API (answered 202 once stored)."""

    fixed_count = USERS["tickets"]
    wait_time = constant_throughput(_per_user(RATES["tickets"], USERS["tickets"]))
    counter = 0

    @task
    def ticket(self):
        HotlineSystem.counter += 1
        channel = rng.choice(list(CONFIG["api_keys"]))
        inspector = rng.choice(list(CONFIG["points"]))
        lng, lat = rng.choice(CONFIG["points"][inspector])
        number = f"LT{CONFIG['run_id']}-{os.getpid()}-{HotlineSystem.counter:07d}"
        received = datetime.now(timezone(timedelta(hours=8))) - timedelta(minutes=rng.randint(1, 30))
        ticket = {
            "ticket_no": number,
            "channel": channel,
            "received_at": received.isoformat(timespec="seconds"),
            "caller_name": "市民",
            "caller_phone": f"139{rng.randint(10_000_000, 99_999_999)}",
            "address": "压测地址",
            "lng": round(lng, 7),
            "lat": round(lat, 7),
            "category_hint": rng.choice(CONFIG["hints"]),
            "description": "市民来电反映：小区门口有垃圾堆放多日无人清理",
        }
        headers = {"X-Api-Key": CONFIG["api_keys"][channel]}
        with self.client.post(
            "/api/v1/hotline/tickets/",
            json=ticket,
            headers=headers,
            name="hotline_ticket",
            catch_response=True,
        ) as r:
            if r.status_code not in (200, 202):
                r.failure(f"{r.status_code}: {r.text[:200]}")
                return
            accepted("ticket", channel=channel, ticket_no=number)


class Desk(FastHttpUser):
    """A member of the centre's staff: looks at the queue, then acts on the oldest case there."""

    abstract = True
    desk = ""

    @task
    def work(self):
        item = self._next()
        self._view_queue()
        if item is None:
            return
        stage, (case, inspector) = item
        self._act(stage, case, inspector)

    def _next(self):
        for stages in DESKS[self.desk]:
            ready = [s for s in stages if PIPELINE[s]]
            if ready:
                stage = rng.choice(ready)
                return stage, PIPELINE[stage].popleft()
        return None

    def _view_queue(self):
        username = self.desk if self.desk != "inspector" else rng.choice(list(CONFIG["points"]))
        name = f"queue_view:{self.desk}"
        with self.client.get(
            CASES + QUEUE_VIEW[self.desk], headers=_token(username), name=name, catch_response=True
        ) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}: {r.text[:200]}")
                return
            if self.desk == "operator":
                for row in r.json()["results"]:
                    if row["source"].startswith("hotline") and row["id"] not in SEEN_HOTLINE:
                        SEEN_HOTLINE.add(row["id"])
                        PIPELINE["send_verify"].append((row["id"], CONFIG["grid_inspector"].get(row["grid"])))

    def _act(self, stage: str, case: int, inspector: str | None):
        actor = inspector if stage in ("verify", "check") else self.desk
        if actor is None:
            return  # a hotline case outside the inspectors we play (not expected: tickets use their points)
        fields = {
            "dispatch": [("department", str(CONFIG["department_id"]))],
            "submit_feedback": [("result", "已清理完毕")],
            "check": [("passed", "true")],
            "verify": [("confirmed", "true")],
        }.get(stage, [])
        if stage in ("verify", "submit_feedback", "check"):
            body, content_type = _photo_body(fields)
        else:
            body, content_type = encode_multipart_formdata(fields)
        # The desk goes back to its queue after each action, so it asks for the short answer (RFC 7240).
        headers = {**_token(actor), "Content-Type": content_type, "Prefer": "return=minimal"}
        url = f"{CASES}{case}/actions/{stage}/"
        with self.client.post(
            url, data=body, headers=headers, name=f"action:{stage}", catch_response=True
        ) as r:
            if r.status_code == 200 or _saved(r):
                if r.status_code != 200:  # the action is in; only reading the case back failed
                    r.failure(f"{r.status_code}: {r.text[:200]}")
                accepted("action", case=case, action=stage)
                if NEXT[stage]:
                    PIPELINE[NEXT[stage]].append((case, inspector))
                return
            r.failure(f"{r.status_code}: {r.text[:200]}")
        # As a person would after a failed click: look at the case again and carry on from where it is.
        self._resync(case, inspector, stage)

    def _resync(self, case: int, inspector: str | None, stage: str) -> None:
        with self.client.get(
            f"{CASES}{case}/", headers=_token("supervisor"), name="case_view:resync", catch_response=True
        ) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}: {r.text[:200]}")
                PIPELINE[stage].append((case, inspector))  # try again later
                return
            found = r.json()
        following = AT_STATUS.get(found["status"])
        if following == "accept" and found["source"] not in TRUSTED:
            following = "send_verify"
        if following:
            PIPELINE[following].append((case, inspector))


def _saved(response) -> bool:
    """A 503 that says the write committed (reading the case back failed): it counts as done."""
    if response.status_code != 503:
        return False
    try:
        return response.json().get("saved") is True
    except ValueError:
        return False


def _desk(name: str, label: str) -> type:
    rate = RATES["desks"][name]
    return type(
        label,
        (Desk,),
        {
            "desk": name,
            "fixed_count": USERS[name],
            "wait_time": constant_throughput(_per_user(rate, USERS[name])),
        },
    )


Operator = _desk("operator", "Operator")
Inspector = _desk("inspector", "Inspector")
ShiftLeader = _desk("shift_leader", "ShiftLeader")
Dispatcher = _desk("dispatcher", "Dispatcher")
Department = _desk("department", "Department")


class Supervisor(FastHttpUser):
    """领导: the KPI dashboard's figures over the last week."""

    fixed_count = USERS["dashboard"]
    wait_time = constant_throughput(_per_user(RATES["dashboard"], USERS["dashboard"]))

    def on_start(self):
        today = datetime.now(timezone(timedelta(hours=8))).date()
        self.period = f"date_from={today - timedelta(days=6)}&date_to={today}"

    @task
    def dashboard(self):
        path = rng.choice(
            (
                f"/api/v1/kpi/summary/?{self.period}",
                f"/api/v1/kpi/trend/?{self.period}&granularity=day",
                f"/api/v1/kpi/rankings/?{self.period}&level=street",
                f"/api/v1/kpi/rankings/?{self.period}&level=department",
            )
        )
        name = "dashboard:" + path.split("/")[4]
        with self.client.get(path, headers=_token("supervisor"), name=name, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}: {r.text[:200]}")
