"""The request log → throughput, p50/p95/p99 and errors per operation, in the steady state and during faults.

A request belongs to a fault window when it *ended* between the fault's start and `RECOVERY` seconds
after the fault was over; everything else after the warm-up is the steady state the targets are about.
"""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

WARM_UP = 10.0  # seconds: users are still being started
RECOVERY = 30.0  # seconds after a fault in which its after-effects are attributed to it


@dataclass(frozen=True)
class Request:
    at: float
    name: str
    ms: float
    status: int
    error: str


@dataclass(frozen=True)
class Fault:
    name: str
    start: float
    end: float

    def covers(self, at: float) -> bool:
        return self.start <= at <= self.end + RECOVERY


def read_log(path: Path, origin: float = 0.0) -> list[Request]:
    """The request log's rows, timed in seconds since `origin` (a Unix time: when the load began)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 5:
            continue
        at = float(parts[0]) - origin
        rows.append(Request(at, parts[1], float(parts[2]), int(parts[3] or 0), parts[4]))
    return rows


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return 0.0
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


def summarise(requests: list[Request], seconds: float) -> dict:
    by_name: dict[str, list[Request]] = defaultdict(list)
    for r in requests:
        by_name[r.name].append(r)
    table = {}
    for name in sorted(by_name):
        table[name] = _row(by_name[name], seconds)
    table["(all)"] = _row(requests, seconds)
    return table


def _row(requests: list[Request], seconds: float) -> dict:
    times = sorted(r.ms for r in requests)
    errors = [r for r in requests if r.error]
    return {
        "requests": len(requests),
        "per_second": round(len(requests) / seconds, 2) if seconds else 0.0,
        "p50_ms": round(percentile(times, 50), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "p99_ms": round(percentile(times, 99), 1),
        "max_ms": round(times[-1], 1) if times else 0.0,
        "errors": len(errors),
    }


def analyse(requests: list[Request], duration: float, faults: list[Fault]) -> dict:
    """Split the log into warm-up, steady state and fault windows, and summarise each."""
    steady, during = [], []
    for r in requests:
        if r.at < WARM_UP:
            continue
        (during if any(f.covers(r.at) for f in faults) else steady).append(r)
    fault_seconds = sum(min(duration, f.end + RECOVERY) - f.start for f in faults)
    steady_seconds = max(1.0, duration - WARM_UP - fault_seconds)
    error_kinds = Counter(
        (r.name, r.status, r.error[:120]) for r in requests if r.error and r.at >= WARM_UP
    ).most_common(20)
    return {
        "steady": summarise(steady, steady_seconds),
        "steady_seconds": round(steady_seconds, 1),
        "faults": [
            {
                "name": f.name,
                "start_s": round(f.start, 1),
                "end_s": round(f.end, 1),
                **_row([r for r in during if f.covers(r.at)], f.end + RECOVERY - f.start),
            }
            for f in faults
        ],
        "errors": [
            {"operation": name, "status": status, "error": error, "count": n}
            for (name, status, error), n in error_kinds
        ],
    }
