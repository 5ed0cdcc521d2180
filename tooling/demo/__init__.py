"""The demo district (天津市河西区), loaded by `manage.py load_demo`.

Deterministic and idempotent: every random choice is seeded, every row is keyed by a stable code, and
a load creates only what is missing, so a second run adds nothing and changes nothing.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from dispatch.models import Component, Department
from grids.models import Community, Grid, Street
from tooling.demo.assessment import save_assessment
from tooling.demo.components import save_components
from tooling.demo.departments import save_departments
from tooling.demo.district import DISTRICT_CODE, plan_district, save_district
from tooling.demo.gazetteer import save_hotline_demo
from tooling.demo.patrols import save_patrol_demo
from tooling.demo.users import STREET_INSPECTORS, USERS, save_users


@dataclass(frozen=True)
class Summary:
    streets: int
    communities: int
    grids: int
    departments: int
    components: int
    users: int


def load_demo(step: Callable[[str], None] = print, stdout=None) -> Summary:
    """Load (or complete) the demo district in one transaction, reporting each step through `step`."""
    started = time.monotonic()

    def done(label: str) -> None:
        step(f"  {label}（{time.monotonic() - started:.1f} s）")

    with transaction.atomic():
        step("==> 导入 GB/T 47678.5-2026 部件和事项分类")
        call_command("load_categories", stdout=stdout)
        # Category time limits need the categories; the step defaults came with the migrations.
        call_command("seed_time_limits", stdout=stdout)
        step("==> 生成河西区街道、社区和单元网格")
        plan = plan_district()
        save_district(plan)
        done(f"{len(plan.streets)} 个街道、{len(plan.communities)} 个社区、{len(plan.grids)} 个单元网格")
        step("==> 部门、街道科室和权属单位")
        save_departments()
        done("完成")
        step("==> 管理部件")
        created = save_components(plan)
        done(f"新增 {created} 个")
        step("==> 演示用户")
        save_users()
        done("完成")
        save_hotline_demo(step)  # gazetteer and demo hotline API clients (cases/intake)
        step("==> 作业考核：作业单位、检查标准、随机抽查")
        done(f"新增 {save_assessment()} 次抽查")
        from tooling.demo.notices import save_notice_channels

        save_notice_channels()  # SMS channels for the demo department and the leader's digest
        step("==> 巡查轨迹与面积覆盖率（昨天和今天）")
        done(f"新增 {save_patrol_demo(DISTRICT_CODE)} 次巡查")
    return summary()


def summary() -> Summary:
    usernames = [u.username for u in USERS + STREET_INSPECTORS]
    return Summary(
        streets=Street.objects.filter(district__code=DISTRICT_CODE).count(),
        communities=Community.objects.filter(street__district__code=DISTRICT_CODE).count(),
        grids=Grid.objects.filter(code__startswith=DISTRICT_CODE).count(),
        departments=Department.objects.filter(code__startswith=DISTRICT_CODE).count(),
        components=Component.objects.filter(code__startswith=DISTRICT_CODE).count(),
        users=get_user_model().objects.filter(username__in=usernames).count(),
    )
