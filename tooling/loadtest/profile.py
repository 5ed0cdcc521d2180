"""The workload `make loadtest` offers: ten times a large city's peak (docs/domain.md §8), as requests per second.

docs/domain.md §8 gives a large city's peak *day*: 10,000 new cases and 60,000 hotline tickets, with thousands
of staff online. We take ten times that day and assume it arrives within its 12 busiest hours (twice the
round-the-clock average; city-management work and 12345 calls both crowd into the daytime):

| stream | peak day | ×10 | per second |
|---|---|---|---|
| inspectors' reports, each with a phone photo | 10,000 new cases | 100,000 | 2.3 |
| hotline tickets (12345 / 8890 pushing to the intake API) | 60,000 tickets | 600,000 | 13.9 |
| centre actions on the reported cases: 受理/派发核实, 核实, 立案, 派遣, 处置反馈 (photo), 核查 (photo), 结案 | 6 per case | 600,000 | 13.9 |
| each action preceded by the actor's queue view (`GET /cases/?status=…`) | | | 13.9 |
| supervisors' dashboard views (summary, trend, rankings) | | | 1.0 |

About 45 requests a second on the web tier, plus the worker turning 13.9 tickets a second into cases
(located, classified, duplicate-checked). `--scale` multiplies every rate (0.5 = half of it, 2 = twice).
"""

import math
from dataclasses import asdict, dataclass

PEAK_CASES_PER_DAY = 10_000
PEAK_TICKETS_PER_DAY = 60_000
FACTOR = 10
BUSY_SECONDS = 12 * 3600
ACTIONS_PER_CASE = 6
# The centre's desks and their share of the action rate: one action per case each, two for the shift
# leader (立案 and 结案). The operator takes 受理 and 派发核实, the inspector 核实 and 核查.
DESK_SHARE = {"operator": 1, "inspector": 1, "shift_leader": 2, "dispatcher": 1, "department": 1}
# At most this many requests a second per simulated user, so that a slow answer delays one user's
# next request, not a whole stream (many users at a low rate keep the arrival rate open-loop).
PER_USER = {"reports": 0.2, "tickets": 1.0, "desk": 0.5, "dashboard": 0.35}


@dataclass(frozen=True)
class Rates:
    """Requests per second of each stream."""

    reports: float
    tickets: float
    actions: float  # each with its queue view before it
    dashboard: float

    @classmethod
    def ten_times_peak(cls, scale: float = 1.0) -> "Rates":
        cases = PEAK_CASES_PER_DAY * FACTOR / BUSY_SECONDS
        return cls(
            reports=round(cases * scale, 3),
            tickets=round(PEAK_TICKETS_PER_DAY * FACTOR / BUSY_SECONDS * scale, 3),
            actions=round(cases * ACTIONS_PER_CASE * scale, 3),
            dashboard=round(1.0 * scale, 3),
        )

    @property
    def web_requests(self) -> float:
        return self.reports + self.tickets + 2 * self.actions + self.dashboard

    def as_dict(self) -> dict:
        return {**asdict(self), "web_requests": round(self.web_requests, 1)}

    def users(self) -> dict[str, int]:
        """Simulated users per stream and per desk."""
        counts = {
            "reports": math.ceil(self.reports / PER_USER["reports"]),
            "tickets": math.ceil(self.tickets / PER_USER["tickets"]),
            "dashboard": math.ceil(self.dashboard / PER_USER["dashboard"]),
        }
        total = sum(DESK_SHARE.values())
        for desk, share in DESK_SHARE.items():
            counts[desk] = math.ceil(self.actions * share / total / PER_USER["desk"])
        return {name: max(1, n) for name, n in counts.items()}

    def desk_rate(self, desk: str) -> float:
        return self.actions * DESK_SHARE[desk] / sum(DESK_SHARE.values())
