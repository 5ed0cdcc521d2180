"""What happens to a case after it is reported: the branches of docs/domain.md §3 with the odds of `Mix`.

`Life.play` walks a reported `Story` through intake, 立案, 派遣, 处置, 核查, 结案 and 回访, waiting
plausible working time between steps. The walk stops when the case ends or when the next step would
fall after the end of the period; the case then stays open in whatever state it had reached, which is
how the newest cases end up spread over every open state (and requests decided "later" stay pending).
"""

import datetime as dt
import math
import random

from cases.models import HOTLINE_SOURCES, TRUSTED_SOURCES, RejectReason, Satisfaction, Source
from cases.workflow import STEP_FOR_STATUS
from core.roles import Role
from tooling.generator.clock import WorkClock
from tooling.generator.draw import Drawer
from tooling.generator.mix import WAITS, Mix
from tooling.generator.story import Cutoff, Story
from tooling.generator.world import Picker, World

_REJECT_TRUSTED = (
    RejectReason.OUT_OF_SCOPE.value,
    RejectReason.INVALID.value,
    RejectReason.NOT_A_PROBLEM.value,
)
_REJECT_UNTRUSTED = (RejectReason.OUT_OF_SCOPE.value, RejectReason.INVALID.value)
_REASONS = {
    "refuse_filing": (
        "不属于城市管理范围，已告知反映人转相关部门",
        "属于物业管理区域，由物业自行处理",
        "不符合立案条件",
    ),
    "void": ("重复立案，作废", "信息有误，作废", "问题已由其他渠道处理完毕"),
    "return": ("非我单位职责，请改派", "该设施权属不属于我单位", "不在我单位管辖范围内"),
    "extension": ("需协调多个部门，申请延期", "材料采购需要时间", "天气原因无法施工"),
    "suspension": ("需立项解决，暂无法处置", "涉及历史遗留问题，需专项整治", "季节性问题，待条件具备后处置"),
    "rework": ("现场问题仍然存在，未处理到位", "仅部分处理，需继续整改", "处理后又出现，需彻底整治"),
    "result": ("已处理完毕", "已清理干净，恢复原貌", "已修复", "已责令当事人整改完毕", "已更换新设施"),
    "supervise": ("请加快处置进度", "群众反映强烈，请尽快处理", "领导批示，限期办结"),
    "reopen": ("回访不满意，重新办理", "反映人称问题未解决，重新派遣"),
}


class Life:
    """Plays stories forward; one per generator run, holding the odds and the clock."""

    def __init__(self, world: World, clock: WorkClock, mix: Mix, rng: random.Random, drawer: Drawer):
        self.world, self.clock, self.mix, self.rng, self.drawer = world, clock, mix, rng, drawer
        self.satisfaction = Picker(list(mix.satisfaction), list(mix.satisfaction.values()))

    def play(self, s: Story) -> None:
        try:
            if self._intake(s) and self._file(s) and self._work(s):
                self._aftercare(s)
        except Cutoff:
            pass
        s.finish()

    # ------------------------------------------------------------------ time

    def wait(self, s: Story, what: str) -> None:
        """A wait between steps that no time limit governs (a decision on a request, a 重办)."""
        median, sigma, urgent_median = WAITS[what]
        self._advance(s, median, sigma, urgent_median)

    def step(self, s: Story) -> None:
        """The time the centre or an inspector takes over the case's current timed step: a share of
        its limit (dispatch.time_limits), so most steps finish on time and a few run late."""
        case = s.case
        limit = self.world.limits.get(
            STEP_FOR_STATUS[s.status],
            case["category_id"],
            case["urgency"],
            case["variant"],
            case.get("street_id"),
        )
        minutes = limit.minutes * self.rng.lognormvariate(math.log(self.mix.steps[0]), self.mix.steps[1])
        s.t = self._at(max(s.t, s.last), minutes, limit.natural)

    def _advance(self, s: Story, median: float, sigma: float, urgent_median: float | None = None) -> None:
        start = max(s.t, s.last) if s.last else s.t
        if s.case["urgency"] == "urgent" and urgent_median is not None:
            s.t = start + dt.timedelta(minutes=self.rng.lognormvariate(math.log(urgent_median), sigma))
        else:
            s.t = self.clock.add(start, self.rng.lognormvariate(math.log(median), sigma))

    def _chance(self, p: float) -> bool:
        return self.rng.random() < p

    def _pick(self, options: tuple) -> str:
        return options[self.rng.randrange(len(options))]

    def _someone(self, role: str, besides: int | None = None) -> int:
        return self.world.someone(self.rng, role, besides)

    # ------------------------------------------------------------------ 受理, 核实, 立案

    def _intake(self, s: Story) -> bool:
        if s.case["self_resolved"]:
            self.step(s)
            s.close(self._someone(Role.SHIFT_LEADER))
            return False
        self.step(s)
        operator = self._someone(Role.OPERATOR)
        if s.repeats is not None:
            s.reject(operator, RejectReason.DUPLICATE.value, s.repeats, "与已有案件反映同一问题")
            return False
        if s.case["source"] in TRUSTED_SOURCES:
            if self._chance(self.mix.reject_trusted):
                s.reject(operator, self._pick(_REJECT_TRUSTED))
                return False
            s.accept(operator)
            return True
        if self._chance(self.mix.reject_untrusted):
            s.reject(operator, self._pick(_REJECT_UNTRUSTED))
            return False
        inspector = s.grid.inspectors[0]  # the services' default: the grid's first inspector by username
        s.send_verify(operator, inspector)
        self.step(s)
        confirmed = not self._chance(self.mix.not_confirmed)
        s.verify(inspector, confirmed, "" if confirmed else "现场未发现反映的问题")
        return confirmed

    def _file(self, s: Story) -> bool:
        self.step(s)
        leader = self._someone(Role.SHIFT_LEADER)
        if self._chance(self.mix.refuse_filing):
            s.refuse_filing(leader, self._pick(_REASONS["refuse_filing"]))
            return False
        # The reporter's category is corrected to what the description says (Drawer._misfiled).
        category = s.truth
        code = category.code if category else s.case["category_code"]
        s.file(leader, category=category, variant=self.drawer.variant(code))
        if self._chance(self.mix.void / 2):
            return self._void(s, self._someone(Role.OPERATOR))
        return True

    def _void(self, s: Story, requester: int) -> bool:
        """作废 asked and decided; True when the case carries on (denied)."""
        self.wait(s, "request")
        approver = self._someone(Role.SHIFT_LEADER, besides=requester)
        if approver == requester:
            return True  # nobody else could approve: the request is never made
        s.request("void", requester, self._pick(_REASONS["void"]))
        self.wait(s, "decide")
        denied = self._chance(self.mix.void_denied)
        s.decide("void", approver, not denied, "不符合作废条件，继续办理" if denied else "同意作废")
        return denied

    # ------------------------------------------------------------------ 派遣 and 处置

    def _work(self, s: Story) -> bool:
        world, mix = self.world, self.mix
        category = world.category_index(s.case["category_id"])
        suggestion = world.route(category, world.component_by_id(s.case["component_id"]), s.grid)
        target = suggestion[:2] if suggestion else self._department()
        returned = self._chance(mix.returns)
        first = self._department(besides=target[0]) if returned or self._chance(mix.override) else target
        co = [self._department(besides=first[0])] if self._chance(mix.co_departments) else []
        self.step(s)
        dispatcher = self._someone(Role.DISPATCHER)
        s.dispatch(dispatcher, first, co, suggestion)
        if returned:
            self._return(s, target, co, suggestion)  # when denied, the first department keeps it
        if self._chance(mix.void / 2):
            requester = self._staff(s) if self.rng.random() < 0.5 else self._someone(Role.DISPATCHER)
            if not self._void(s, requester):
                return False
        if not self._handle(s, branches=True):
            return False
        self.step(s)
        s.close(self._someone(Role.SHIFT_LEADER))
        return True

    def _department(self, besides: int | None = None) -> tuple[int, str]:
        pool = self.world.dispatch_pool
        for _ in range(10):
            pk = pool[self.rng.randrange(len(pool))]
            if pk != besides:
                break
        return pk, self.world.departments[pk].code

    def _staff(self, s: Story) -> int:
        return self.world.staff_of(self.rng, s.case["department_id"])

    def _return(self, s: Story, target, co, suggestion) -> bool:
        """回退: the department says it is not theirs; True when approved and 改派 to `target`."""
        self.wait(s, "request")
        s.request("return", self._staff(s), self._pick(_REASONS["return"]))
        self.wait(s, "decide")
        dispatcher = self._someone(Role.DISPATCHER)
        if self._chance(self.mix.return_denied):
            s.decide("return", dispatcher, False, "经核实属于贵单位职责，请尽快处置")
            return False
        s.decide("return", dispatcher, True, "同意回退，改派")
        self.step(s)
        co = [d for d in co if d[0] != target[0]]
        s.dispatch(dispatcher, target, co, suggestion)
        return True

    def _handle(self, s: Story, branches: bool) -> bool:
        """处置 to a passed 核查, with 延期, 挂账, 督办 and 返工 on the way; False when left suspended."""
        mix, rng = self.mix, self.rng
        for attempt in range(3):
            start = s.last  # the dispatch, or the failed 核查: 返工 starts a new clock
            case = s.case
            dispose = self.world.limits.get(
                "dispose", case["category_id"], case["urgency"], case["variant"], case.get("street_id")
            )
            limit, natural = dispose.minutes, dispose.natural
            duration = limit * rng.lognormvariate(math.log(mix.handling[0]), mix.handling[1])
            staff = self._staff(s)
            weight = 4 if s.case["variant"] != "general" else 0.8
            if branches and attempt == 0:
                if self._chance(mix.extension * weight):
                    limit += self._extension(s, start, limit, duration, natural, staff)
                if self._chance(mix.suspension * weight):
                    carry_on = self._suspension(s, staff, start, duration, natural)
                    if carry_on is None:
                        return False
                    start, duration = carry_on
                if self._chance(mix.supervise):
                    s.t = self._at(start, duration * rng.uniform(0.3, 0.9), natural)
                    s.supervise(self._someone(Role.SUPERVISOR), self._pick(_REASONS["supervise"]))
            # Past the deadline, the story's SLA sweep lights it red and files the system's 督办.
            s.t = max(self._at(start, duration, natural), s.last)
            s.submit_feedback(staff, self._pick(_REASONS["result"]))
            self.step(s)
            inspector = s.grid.inspectors[rng.randrange(len(s.grid.inspectors))]
            passed = attempt == 2 or not self._chance(mix.rework)
            s.check(inspector, passed, "" if passed else self._pick(_REASONS["rework"]))
            if passed:
                return True
        return True  # pragma: no cover - the third check always passes

    def _at(self, start: dt.datetime, minutes: float, natural: bool) -> dt.datetime:
        return start + dt.timedelta(minutes=minutes) if natural else self.clock.add(start, minutes)

    def _extension(self, s: Story, start, limit, duration, natural, staff) -> float:
        """延期 asked halfway through the limit (or the work); returns the minutes granted."""
        s.t = max(self._at(start, min(limit * 0.5, duration * 0.6), natural), s.last)
        hours = self._pick(("4.0", "8.0", "16.0", "24.0", "40.0"))
        s.request("extension", staff, self._pick(_REASONS["extension"]), hours=hours)
        if self._chance(self.mix.extension_lapsed):
            return 0.0  # nobody decides before the fix is reported: the request lapses
        self.wait(s, "decide")
        if self._chance(self.mix.extension_denied):
            s.decide("extension", self._someone(Role.DISPATCHER), False, "一般性问题不予延期，请按时处置")
            return 0.0
        s.decide("extension", self._someone(Role.DISPATCHER), True, "同意延期")
        return float(hours) * 60

    def _suspension(self, s: Story, staff, start, duration: float, natural: bool) -> tuple | None:
        """挂账 asked. Returns (start, duration) of the work still to do once the case is worked on
        again (denied, or suspended and resumed: the clock paused meanwhile), None while suspended."""
        self.wait(s, "request")
        s.request("suspension", staff, self._pick(_REASONS["suspension"]))
        self.wait(s, "decide")
        dispatcher = self._someone(Role.DISPATCHER)
        if self._chance(self.mix.suspension_denied):
            s.decide("suspension", dispatcher, False, "不符合挂账条件，请继续处置")
            return start, duration
        s.decide("suspension", dispatcher, True, "同意挂账")
        paused = s.last
        if not self._chance(self.mix.resume):
            return None  # waits for a project: still suspended today
        median, sigma = self.mix.suspension_days
        s.t = paused + dt.timedelta(days=self.rng.lognormvariate(math.log(median), sigma))
        s.resume(dispatcher, "条件具备，恢复处置")
        done = (paused - start).total_seconds() / 60 if natural else self.clock.elapsed(start, paused)
        return s.last, max(duration - done, duration * 0.1)

    # ------------------------------------------------------------------ 回访 and 重办

    def _aftercare(self, s: Story) -> None:
        source = s.case["source"]
        wanted = source in HOTLINE_SOURCES or (
            source == Source.PUBLIC and self._chance(self.mix.callback_public)
        )
        reopened = False
        while wanted:
            s.t = self.clock.add(s.last, self.rng.uniform(120, 900))
            agent = self._someone(Role.HOTLINE)
            answer = (
                Satisfaction.UNREACHABLE.value
                if self._chance(self.mix.unreachable)
                else self.satisfaction.pick(self.rng)
            )
            s.callback(agent, answer, "" if answer != Satisfaction.UNREACHABLE else "电话无人接听")
            if answer == Satisfaction.UNREACHABLE:
                wanted = self._chance(0.5)  # one more try another day, or give up
                continue
            if answer != Satisfaction.UNSATISFIED or reopened or not self._chance(self.mix.reopen):
                return
            reopened = True
            department = (s.case["department_id"], self.world.departments[s.case["department_id"]].code)
            self.wait(s, "reopen")
            s.reopen(self._someone(Role.SHIFT_LEADER), self._pick(_REASONS["reopen"]))
            self.step(s)
            s.dispatch(self._someone(Role.DISPATCHER), department, [], self._suggestion(s))
            self._handle(s, branches=False)
            self.step(s)
            s.close(self._someone(Role.SHIFT_LEADER))

    def _suggestion(self, s: Story):
        category = self.world.category_index(s.case["category_id"])
        return self.world.route(category, self.world.component_by_id(s.case["component_id"]), s.grid)
