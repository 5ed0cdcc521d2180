"""Every KPI's name, formula and definition, in one registry (docs/domain.md §7): the API, the dashboard, the
reports and the glossary page show these texts next to the numbers, so a district can check how each
number was made.

`basis` says which day a case counts on: "report" (上报日) or "filed" (立案日, the cohort rule);
people's figures count on the day of the person's own action.
"""

from dataclasses import dataclass

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases import channels


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    unit: str  # "件", "%", "分"
    formula: str
    definition: str
    basis: str = "filed"
    higher_is_better: bool = True
    target: str | None = None  # a KpiSettings field holding the target (percent)

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": str(self.label),
            "unit": self.unit,
            "formula": str(self.formula),
            "definition": str(self.definition),
            "basis": self.basis,
            "higher_is_better": self.higher_is_better,
        }


def hotline_sources() -> tuple[str, ...]:
    """The hotline channels (cases/channels.py: those with a hotline number), for the hotline figures."""
    return channels.hotline_codes()


def not_patrolled() -> tuple[str, ...]:
    """漏报: problems someone other than the patrol found first (docs/domain.md §7, inspectors): the cases
    of every channel that needs 核实 (the public, the hotlines, the media, and any such channel added)."""
    return channels.untrusted_codes()


COHORT = _("案件按立案日计入统计期（队列口径）；状态取最近一次汇总时的状态。")
REPORTED = _("案件按上报日计入统计期。")


def _def(text, basis):
    """A definition followed by its counting rule (which day a case counts on)."""
    return format_lazy(
        pgettext_lazy("KPI definition, then its counting rule", "{text}{basis}"), text=text, basis=basis
    )


_ALL = [
    # ------------------------------------------------------------------ area counts
    Kpi("reported", _("上报数"), "件", _("上报的案件数"), _def(_("统计期内各渠道上报的案件数（含后来不予受理、作废的）。"), REPORTED), "report"),
    Kpi("r_rejected", _("不予受理数"), "件", _("受理或核实阶段被驳回的上报数"),
        _def(_("上报后未进入待立案即被不予受理（含重复、无效、经核实不存在）的案件数。"), REPORTED), "report"),
    Kpi("r_filed", _("上报已立案数"), "件", _("上报后已立案的案件数"), _def(_("统计期内上报、且已立案的案件数。"), REPORTED), "report"),
    Kpi("filed", _("立案数"), "件", _("立案的案件数"), _def(_("统计期内立案的案件数。"), COHORT)),
    Kpi("voided", _("作废数"), "件", _("立案后经批准作废的案件数"), _def(_("立案数中当前状态为已作废的案件。"), COHORT), higher_is_better=False),
    Kpi("suspended", _("挂账数"), "件", _("当前仍挂账的案件数"), _def(_("立案数中当前仍处于挂账（缓办）状态的案件。"), COHORT), higher_is_better=False),
    Kpi("due_closure", _("应结案数"), "件", _("应结案数 = 立案数 − 作废数 − 挂账数"),
        _def(_("立案数减去已作废的和当前仍挂账的案件。"), COHORT)),
    Kpi("closed", _("结案数"), "件", _("已结案的案件数"), _def(_("立案数中当前已结案的案件（重办后未再结案的不计）。"), COHORT)),
    Kpi("closed_on_time", _("按期结案数"), "件", _("结案且每个处置环节均未超时限的案件数"),
        _def(_("已结案、且每一次处置（含返工、重办后的处置）都在其时限内完成的案件。"), COHORT)),
    Kpi("due_dispose", _("应处置数"), "件", _("应处置数 = 已派遣的立案案件 − 作废 − 挂账"),
        _def(_("立案数中已派遣给部门处置（有处置环节）的案件，不含已作废和当前挂账的。"), COHORT)),
    Kpi("disposed_on_time", _("按期处置数"), "件", _("应处置案件中每个处置环节都在时限内完成的案件数"),
        _def(_("应处置数中，所有处置环节均已完成且均未超过时限（批准的延期计入时限，挂账期间不计时）。"), COHORT)),
    Kpi("overdue_open", _("超期未处置数"), "件", _("处置中且处置环节已超时限的案件数"),
        _def(_("当前处于处置中、处置环节已亮红灯的案件。"), COHORT), higher_is_better=False),
    Kpi("overdue", _("超期数"), "件", _("处置环节曾超时限的案件数"),
        _def(_("至少有一个处置环节超过时限（超时完成或当前红灯）的案件。"), COHORT), higher_is_better=False),
    Kpi("reworked", _("返工数"), "件", _("核查不通过、返工过的案件数"), _def(_("至少返工一次的案件。"), COHORT), higher_is_better=False),
    Kpi("extended", _("延期数"), "件", _("获批延期的案件数"), _def(_("至少获批一次延期的案件。"), COHORT), higher_is_better=False),
    Kpi("r_callback", _("回访联系上数"), "件", _("回访时联系上上报人的案件数"),
        _def(_("统计期内上报、回访时联系上上报人（满意、基本满意或不满意）的案件；未联系上的不计。"), REPORTED), "report"),
    Kpi("r_satisfied", _("满意数"), "件", _("回访满意或基本满意的案件数"),
        _def(_("统计期内上报、回访结果为满意或基本满意的案件。"), REPORTED), "report"),
    # ------------------------------------------------------------------ area rates
    Kpi("filing_rate", _("立案率"), "%", _("立案率 = 上报已立案数 ÷ (上报数 − 不予受理数) × 100%"),
        _def(_("有效上报中已立案的比例；不予受理的上报不计入分母。"), REPORTED), "report", target="target_filing_rate"),
    Kpi("closure_rate", _("结案率"), "%", _("结案率 = 结案数 ÷ 应结案数 × 100%"), COHORT, target="target_closure_rate"),
    Kpi("on_time_closure_rate", _("按期结案率"), "%", _("按期结案率 = 按期结案数 ÷ 应结案数 × 100%"), COHORT,
        target="target_on_time_closure_rate"),
    Kpi("dispose_on_time_rate", _("按期处置率"), "%", _("按期处置率 = 按期处置数 ÷ 应处置数 × 100%"), COHORT,
        target="target_dispose_on_time_rate"),
    Kpi("rework_rate", _("返工率"), "%", _("返工率 = 返工数 ÷ 应结案数 × 100%"), COHORT, higher_is_better=False),
    Kpi("extension_rate", _("延期率"), "%", _("延期率 = 延期数 ÷ 应处置数 × 100%"), COHORT, higher_is_better=False),
    Kpi("overdue_open_rate", _("超期待处置率"), "%", _("超期待处置率 = 超期未处置数 ÷ 应处置数 × 100%"), COHORT,
        higher_is_better=False),
    Kpi("satisfaction_rate", _("满意率"), "%", _("满意率 = (满意 + 基本满意) ÷ 回访联系上数 × 100%"),
        _def(_("回访中联系上的群众里表示满意或基本满意的比例（群众满意度）。"), REPORTED), "report",
        target="target_satisfaction_rate"),
    # ------------------------------------------------------------------ hotline (12345 / 8890)
    Kpi("hotline_reported", _("热线工单数"), "件", _("12345、8890 转来的工单数"), _def(_("热线渠道上报的案件。"), REPORTED), "report"),
    Kpi("hotline_accepted_on_time", _("按时响应数"), "件", _("受理环节在时限内完成的热线工单数"),
        _def(_("受理员在受理时限内作出受理、派发核实或不予受理的热线工单。"), REPORTED), "report"),
    Kpi("hotline_due", _("应解决数"), "件", _("应解决数 = 热线工单数 − 不予受理数 − 作废数 − 不计入本区的退单数"),
        _def(_("不予受理数不含12345中心批准的退单；中心认定计入本区的退单（如有效诉求被退回）不减，仍计为未解决。"), REPORTED),
        "report"),
    Kpi("hotline_closed", _("已解决数"), "件", _("已结案的热线工单数"), REPORTED, "report"),
    Kpi("hotline_callback", _("回访联系上数"), "件", _("回访时联系上来电人的热线工单数"), REPORTED, "report"),
    Kpi("hotline_satisfied", _("满意数"), "件", _("回访满意或基本满意的热线工单数"), REPORTED, "report"),
    Kpi("hotline_response_rate", _("响应率"), "%", _("响应率 = 按时响应数 ÷ 热线工单数 × 100%"), REPORTED, "report",
        target="target_response_rate"),
    Kpi("hotline_resolution_rate", _("解决率"), "%", _("解决率 = 已解决数 ÷ 应解决数 × 100%"),
        _def(_("即投诉处理率。"), REPORTED), "report", target="target_resolution_rate"),
    Kpi("hotline_returned", _("退单数"), "件", _("12345中心批准退单的热线工单数"),
        _def(_("区里申请退单、经12345中心批准（案件以不予受理结束）的工单。"), REPORTED), "report", higher_is_better=False),
    Kpi("hotline_returned_counted", _("计入本区的退单数"), "件", _("中心认定计入本区考核的退单数"),
        _def(_("批准退单时12345中心认定仍计入本区的（有效诉求被退回）。"), REPORTED), "report", higher_is_better=False),
    Kpi("hotline_return_rate", _("退单率"), "%", _("退单率 = 计入本区的退单数 ÷ 热线工单数 × 100%"),
        _def(_("计入本区的退单同时留在应解决数中、不计已解决，拉低解决率。"), REPORTED), "report",
        higher_is_better=False),
    Kpi("hotline_satisfaction_rate", _("满意率（热线）"), "%", _("满意率 = (满意 + 基本满意) ÷ 回访联系上数 × 100%"),
        REPORTED, "report", target="target_satisfaction_rate"),
    # ------------------------------------------------------------------ people (docs/domain.md §7)
    Kpi("valid_report_rate", _("有效上报率"), "%", _("有效上报率 = 已立案或自行处置的上报 ÷ 监督员上报数 × 100%"),
        _("监督员本人上报的案件中，后来立案或自行处置结案的比例；按上报日计。"), "person"),
    Kpi("missed_rate", _("漏报率"), "%", _("漏报率 = 责任网格内公众/热线/媒体来源的立案数 ÷ 责任网格立案数 × 100%"),
        _("监督员责任网格内由群众先发现的问题占立案的比例；按立案日计。"), "person", higher_is_better=False),
    Kpi("missed_score", _("漏报率得分"), "分", _("漏报率得分 = (1 − 漏报率) × 100"),
        _("漏报率折算的得分：无漏报得 100 分。"), "person"),
    Kpi("verify_on_time_rate", _("按时核实率"), "%", _("按时核实率 = 时限内完成的核实 ÷ 核实次数 × 100%"),
        _("按核实动作发生日计。"), "person"),
    Kpi("check_on_time_rate", _("按时核查率"), "%", _("按时核查率 = 时限内完成的核查 ÷ 核查次数 × 100%"),
        _("按核查动作发生日计（返工后的再次核查另计一次）。"), "person"),
    Kpi("accept_on_time_rate", _("按时受理率"), "%",
        _("按时受理率 = 时限内完成的受理、派发核实、不予受理 ÷ 三者次数 × 100%"),
        _("受理员对上报作出处理（受理、派发核实或不予受理）在受理时限内的比例。"), "person"),
    Kpi("accepted", _("受理数"), "件", _("受理数 = 受理 + 派发核实 + 不予受理的次数"), _("按受理动作发生日计。"), "person"),
    Kpi("accepted_score", _("受理数得分"), "分", _("受理数得分按分档：> 2000 得 100，1201–2000 得 90，501–1200 得 75，301–500 得 60，其余 0"),
        _("受理员工作量得分（参考实现的分档，可在后台“评价参数”中调整）。"), "person"),
    Kpi("verify_dispatch_on_time_rate", _("核实按时派发率"), "%", _("核实按时派发率 = 时限内派发核实数 ÷ 派发核实数 × 100%"),
        _("公众、热线上报在受理时限内派发给监督员核实的比例。"), "person"),
    Kpi("check_dispatch_on_time_rate", _("核查按时派发率"), "%", _("核查按时派发率 = 时限内派发核查数 ÷ 派发核查数 × 100%"),
        _("本系统中处置反馈后由系统直接派给网格监督员核查，受理员没有派发核查的动作：此项无数据，不参与综合得分，其余各项按权重比例折算。"), "person"),
    Kpi("file_on_time_rate", _("按时立案率"), "%", _("按时立案率 = 时限内立案数 ÷ 立案数 × 100%"), _("按立案日计。"), "person"),
    Kpi("file_accuracy", _("准确立案率"), "%", _("准确立案率 = (立案数 − 作废数) ÷ 立案数 × 100%"),
        _("值班长所立案件中未被作废的比例。"), "person"),
    Kpi("close_on_time_rate", _("按时结案率"), "%", _("按时结案率 = 时限内结案数 ÷ 结案数 × 100%"),
        _("值班长在结案时限内结案的比例；按结案日计。"), "person"),
    Kpi("dispatch_count", _("派遣数"), "件", _("派遣员的派遣次数（含改派、重办后的派遣）"), _("按派遣日计。"), "person"),
    Kpi("dispatch_count_score", _("派遣数得分"), "分", _("派遣数得分 = 本人派遣数 ÷ 同期派遣数最多的派遣员的派遣数 × 100"),
        _("相对同期最佳者的工作量得分。"), "person"),
    Kpi("dispatch_on_time_rate", _("按时派遣率"), "%", _("按时派遣率 = 时限内派遣数 ÷ 派遣数 × 100%"), _("按派遣日计。"), "person"),
    Kpi("dispatch_accuracy", _("准确派遣率"), "%", _("准确派遣率 = (派遣数 − 回退数) ÷ 派遣数 × 100%"),
        _("一次派遣之后、下一次派遣之前获批回退，则该次派遣计为回退。"), "person"),
    # ------------------------------------------------------------------ departments and areas
    Kpi("dispatched_score", _("派遣数得分"), "分", _("派遣数得分按分档：部门立案（派遣）数 ≤ 50 得 100 … > 1000 得 0（案件越少越好）"),
        _def(_("部门主办的立案数越多，得分越低：其负责范围内问题越少越好。分档见下方“得分分档”。"), COHORT)),
    Kpi("no_rework_rate", _("(1 − 返工率)"), "%", _("(1 − 返工率) × 100%"), COHORT),
    Kpi("public_report_rate", _("监督举报率"), "%", _("监督举报率 = 公众、热线、媒体来源经核实立案数 ÷ 立案数 × 100%"),
        _def(_("区域内由群众先发现、经核实属实并立案的问题所占比例，越低越好（说明监督员漏报少）。"), COHORT),
        higher_is_better=False),
    Kpi("public_report_score", _("监督举报率得分"), "分", _("监督举报率得分按分档（越低得分越高）"),
        _def(_("分档见下方“得分分档”。"), COHORT)),
    Kpi("filed_score", _("立案数得分"), "分", _("立案数得分按分档（区域立案数越少得分越高）"), _def(_("分档见下方“得分分档”。"), COHORT)),
    Kpi("score", _("综合得分"), "分", _("综合得分 = Σ 各项得分 × 权重（权重在后台“评价参数”中设置，合计 100）"),
        _("各项取 0–100 分（比率 × 100）。某项没有数据（分母为 0）时，该项不参与，其余各项按权重比例折算。"
          "下方“现行公式”列出当前生效的各项权重；已关账的考核期按关账时保存的权重和分档计算，不随后来的修改变化。")),
    Kpi("grade", _("等级"), "", _("A ≥ 90，B ≥ 75，C ≥ 60，D ≥ 40，其余为 E（分数线可在后台设置）"),
        _("按综合得分评定的等级。")),
]  # fmt: skip

KPIS: dict[str, Kpi] = {k.key: k for k in _ALL}

AREA_COUNTS = (
    "reported", "r_rejected", "r_filed", "filed", "voided", "suspended", "due_closure", "closed",
    "closed_on_time", "due_dispose", "disposed_on_time", "overdue_open", "overdue", "reworked", "extended",
    "r_callback", "r_satisfied",
)  # fmt: skip
AREA_RATES = (
    "filing_rate", "closure_rate", "on_time_closure_rate", "dispose_on_time_rate", "rework_rate",
    "extension_rate", "overdue_open_rate", "satisfaction_rate",
)  # fmt: skip
HOTLINE_COUNTS = (
    "hotline_reported", "hotline_accepted_on_time", "hotline_due", "hotline_closed", "hotline_callback",
    "hotline_satisfied", "hotline_returned", "hotline_returned_counted",
)  # fmt: skip
HOTLINE_RATES = (
    "hotline_response_rate", "hotline_resolution_rate", "hotline_satisfaction_rate", "hotline_return_rate",
)  # fmt: skip


def glossary() -> list[dict]:
    return [k.as_dict() for k in _ALL]


COMPOSITE_LABELS = {
    "area": _("区域（街道、社区、网格）"),
    "department": _("部门"),
    "inspector": _("监督员"),
    "operator": _("受理员"),
    "shift_leader": _("值班长"),
    "dispatcher": _("派遣员"),
}
BAND_LABELS = {
    "accepted": (_("受理数得分"), _("受理数")),
    "department_dispatched": (_("部门派遣数得分"), _("部门立案（派遣）数")),
    "area_filed": (_("区域立案数得分"), _("区域立案数")),
    "public_report_rate": (_("监督举报率得分"), _("监督举报率 %")),
}


def formulas_in_force(snapshot: dict) -> dict:
    """The composite formulas and score bands of a settings snapshot (KpiSettings.snapshot()), as text:
    the glossary shows those in force, a frozen table those it was computed with."""
    from kpi.models import WEIGHTS  # noqa: PLC0415 (kpi.models imports nothing of ours; keep it lazy here)

    composites = []
    for kind, parts in WEIGHTS.items():
        terms = [
            f"{KPIS[part].label if part in KPIS else part}×{snapshot['weights'][field]}%"
            for field, part in parts
        ]
        composites.append({"kind": kind, "label": str(COMPOSITE_LABELS[kind]), "formula": " + ".join(terms)})
    bands = []
    for key, table in snapshot["bands"].items():
        label, measure = BAND_LABELS.get(key, (key, key))
        rows, previous = [], None
        for threshold, score in table["bands"]:
            if table["direction"] == "higher":
                rows.append({"range": f"{measure} > {threshold:g}", "score": score})
            else:
                low = f"{previous:g} < " if previous is not None else ""
                rows.append({"range": f"{low}{measure} ≤ {threshold:g}", "score": score})
            previous = threshold
        rows.append({"range": str(_("其余")), "score": table.get("otherwise", 0)})
        bands.append({"key": key, "label": str(label), "rows": rows})
    grades = snapshot["grades"]
    grade_text = (
        f"A ≥ {grades['grade_a']}, B ≥ {grades['grade_b']}, C ≥ {grades['grade_c']}, "
        f"D ≥ {grades['grade_d']}, E < {grades['grade_d']}"
    )
    return {"composites": composites, "bands": bands, "grades": grade_text}
