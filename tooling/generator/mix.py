"""How a district's cases turn out: the shares of channels, branches and outcomes, and how long steps take.

The defaults follow what published district figures and docs/domain.md §7's targets suggest: most cases are
closed, 立案率 and 结案率 above 90 %, a few per cent of 返工 / 延期 / 回退 / 挂账, satisfaction around
90 %. A test may pass a `Mix` with the rare branches turned up to see every one of them in a few
hundred cases.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Mix:
    # Channels (docs/domain.md §2), relative weights on a working day; inspectors patrol less at weekends.
    sources: dict = field(
        default_factory=lambda: {
            "inspector": 66, "hotline_12345": 19, "hotline_8890": 5, "public": 8, "video": 4.5, "leader": 0.8, "media": 0.7,
        }
    )  # fmt: skip
    weekend_inspectors: float = 0.4  # share of a working day's patrols on a rest day
    component_share: float = 0.2  # 部件 problems among all reports
    uninventoried: float = 0.15  # of those, about a component missing from the inventory
    urgent: float = 0.03
    self_resolved: float = 0.15  # of inspector reports of trivial problems (自行处置)
    duplicate: float = 0.07  # hotline/public reports repeating a recent case in the same grid
    # 受理, 核实, 立案
    reject_trusted: float = 0.02
    reject_untrusted: float = 0.04
    not_confirmed: float = 0.10
    refuse_filing: float = 0.03
    reclassify: float = 0.04  # the reporter picked a wrong category; the shift leader corrects it when filing
    engineering: float = 0.03  # 工程性 variant for ordinary problems (construction-type ones: half)
    special: float = 0.01
    # 派遣 and 处置
    override: float = 0.03  # the dispatcher sends it elsewhere than the suggestion
    co_departments: float = 0.05
    returns: float = 0.02
    return_denied: float = 0.2
    extension: float = 0.025
    extension_denied: float = 0.25
    extension_lapsed: float = 0.08  # the fix is reported before anyone decides
    suspension: float = 0.02
    suspension_denied: float = 0.2
    resume: float = 0.5
    suspension_days: tuple = (25, 0.8)  # how long a 挂账 lasts before it is resumed: median, sigma
    void: float = 0.012
    void_denied: float = 0.25
    rework: float = 0.05
    # 处置 time as a share of the category's 处置 limit (dispatch.time_limits): median and lognormal
    # sigma. About 4 % of cases run past the limit and get the system's 督办.
    handling: tuple = (0.25, 0.8)
    # Every other timed step (受理, 核实, 立案, 派遣, 核查, 结案) likewise: about 1 % run late.
    steps: tuple = (0.25, 0.6)
    supervise: float = 0.01  # a leader's 督办 (the system adds its own when a deadline passes)
    # 回访
    callback_public: float = 0.3  # public reports get a callback too when the caller left a number
    unreachable: float = 0.08
    satisfaction: dict = field(
        default_factory=lambda: {"satisfied": 0.72, "basically_satisfied": 0.19, "unsatisfied": 0.09}
    )
    reopen: float = 0.65  # of unsatisfied callers


# Waits no time limit governs: (median working minutes, lognormal sigma, median natural minutes for
# urgent cases).
WAITS = {
    "request": (120, 0.9, 30),
    "decide": (90, 0.9, 20),
    "reopen": (60, 0.8, 60),
}
