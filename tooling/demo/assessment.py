"""The demo's 作业考核 (issue #24.4): three contractors with contracts and work areas in the first
streets, the checklists, last month's 随机抽查 carried out and assessed, this month's drawn."""

import random
from datetime import date, datetime, time
from decimal import Decimal as D

from django.contrib.auth import get_user_model
from django.utils import timezone

from assessment import services
from assessment.defaults import seed_checklists
from assessment.models import AreaType, Contract, Contractor, StreetTarget, WorkArea, WorkKind
from grids.models import Grid, Street

CONTRACTORS = [
    ("天津津环城市环境服务有限公司", WorkKind.SANITATION, D("860000")),
    ("天津海河保洁服务有限公司", WorkKind.SANITATION, D("540000")),
    ("天津绿城园林养护有限公司", WorkKind.LANDSCAPING, D("210000")),
]
ROADS = ["友谊路", "黑牛城道", "解放南路", "围堤道", "大沽南路", "南京路", "浦口道", "琼州道"]


def _centre(street: Street):
    grid = Grid.objects.filter(community__street=street).order_by("code").first()
    return ((grid.min_lng + grid.max_lng) / 2, (grid.min_lat + grid.max_lat) / 2) if grid else (None, None)


def save_assessment(today: date | None = None) -> int:
    """Create the demo's contractors and their months once; returns the inspections made (0: there already)."""
    if Contractor.objects.exists():
        return 0
    today = today or timezone.localdate()
    user_model = get_user_model()
    supervisor = user_model.objects.get(username="supervisor")
    inspectors = list(user_model.objects.filter(groups__name="inspector").order_by("username")[:3])
    checklists = seed_checklists()
    streets = list(Street.objects.order_by("code")[:4])
    if not streets or not inspectors or not checklists:
        return 0
    year = today.year
    rng = random.Random(24)
    areas: list[WorkArea] = []
    for index, (name, kind, fee) in enumerate(CONTRACTORS):
        contractor = Contractor.objects.create(
            name=name, kind=kind, contact="项目经理", phone=f"022-8888{index:04d}"
        )
        contract = Contract.objects.create(
            contractor=contractor,
            number=f"HX-{kind[:2].upper()}-{year}-{index + 1:02d}",
            starts_on=date(year - 1, 1, 1),
            ends_on=date(year + 1, 12, 31),
            monthly_fee=fee,
        )
        for n, street in enumerate(streets):
            lng, lat = _centre(street)
            if kind == WorkKind.LANDSCAPING:
                specs = [(f"{street.name}街心绿地", AreaType.GREEN, "")]
            else:
                road = ROADS[(index * 4 + n) % len(ROADS)]
                specs = [(f"{road}（{street.name}段）", AreaType.ROAD, str(1 + (index + n) % 3))]
            for area_name, area_type, road_class in specs:
                areas.append(
                    WorkArea.objects.create(
                        contract=contract,
                        name=area_name,
                        street=street,
                        area_type=area_type,
                        road_class=road_class,
                        lng=lng,
                        lat=lat,
                    )
                )
    for indicator, target in (("closure_rate", D("95")), ("on_time_closure_rate", D("92"))):
        StreetTarget.objects.create(street=streets[0], indicator=indicator, target_percent=target)

    last_month = (today.replace(day=1) - timezone.timedelta(days=1)).replace(day=1)
    made = 0
    drawn = services.draw_inspections(
        month=last_month, actor=supervisor, inspectors=inspectors, per_contractor=6, seed=2026
    )
    for inspection in drawn:
        items = list(inspection.checklist.items.all())
        findings = [
            services.FindingInput(item=item, count=rng.randint(1, 3), note="演示")
            for item in rng.sample(items, k=rng.randint(0, 3))
        ]
        dust = (
            [services.DustInput(D(str(round(rng.uniform(2, 14), 1))))] if inspection.area.road_class else []
        )
        at = timezone.make_aware(datetime.combine(inspection.planned_on, time(9, 30)))
        services.inspection_record(
            inspection=inspection, actor=inspection.inspector, findings=findings, dust=dust, at=at
        )
        made += 1
    first_area = areas[0]
    services.rectification_record(
        contractor=first_area.contract.contractor,
        actor=supervisor,
        done_on=last_month.replace(day=15),
        description=f"{first_area.name}积存垃圾代为清运",
        cost=D("1800"),
        area=first_area,
        performed_by="街道环卫所",
    )
    for contractor in Contractor.objects.all():
        services.month_assess(contractor=contractor, month=last_month, actor=supervisor)
    made += len(
        services.draw_inspections(
            month=today, actor=supervisor, inspectors=inspectors, per_contractor=3, seed=2027
        )
    )
    return made
