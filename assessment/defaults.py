"""Defaults an installation starts from (all editable in the admin): 以克论净 limits, grade bands, and
a road-cleaning checklist in the form the district sheets use."""

from decimal import Decimal as D

# Grams of dust per m² a road of this class may carry, and the points a sample above it costs (the
# 以克论净 practice: the busier the road, the stricter the limit).
DUST_LIMITS = {"1": (D("5"), D("2")), "2": (D("8"), D("2")), "3": (D("10"), D("2")), "4": (D("15"), D("2"))}

# 作业质量等级: minimum monthly score → share of the month's fee withheld.
GRADE_BANDS = [
    ("优秀", D("90"), D("0")),
    ("良好", D("80"), D("2")),
    ("合格", D("70"), D("5")),
    ("不合格", D("0"), D("15")),
]

# A road-cleaning checklist: (item, points per place, cap per inspection, category name to register).
ROAD_ITEMS = [
    ("路面有果皮、纸屑、烟头等废弃物", D("1"), D("10"), "道路不洁"),
    ("暴露垃圾、积存垃圾渣土未及时清运", D("3"), None, "暴露垃圾"),
    ("果皮箱满溢、破损或周边不洁", D("1"), D("5"), "垃圾满溢"),
    ("道路积水、积雪未及时清除", D("2"), None, "道路积水"),
    ("作业车辆未密闭、沿途撒漏", D("5"), None, "道路遗撒"),
    ("作业人员未按规定着装、未按时作业", D("2"), D("6"), ""),
]
GREEN_ITEMS = [
    ("绿地内有垃圾、杂物", D("1"), D("10"), "绿地脏乱"),
    ("树木缺株、死株未补植", D("2"), None, ""),
    ("草坪斑秃、杂草丛生", D("2"), D("10"), ""),
]


def seed_defaults(*, threshold_model, band_model) -> None:
    """Create the dust limits and grade bands that are missing (a data migration passes its models)."""
    for road_class, (limit, deduction) in DUST_LIMITS.items():
        threshold_model.objects.get_or_create(
            road_class=road_class, defaults={"limit_g_per_m2": limit, "deduction": deduction}
        )
    for name, minimum, percent in GRADE_BANDS:
        band_model.objects.get_or_create(
            name=name, defaults={"min_score": minimum, "deduction_percent": percent}
        )


def seed_checklists() -> list:
    """A road checklist per road class group and a green-space checklist, if none exist (demo data)."""
    from assessment.models import AreaType, Checklist, ChecklistItem
    from dispatch.models import Category

    made = []
    for name, area_type, items in (
        ("道路清扫保洁检查标准", AreaType.ROAD, ROAD_ITEMS),
        ("绿地养护检查标准", AreaType.GREEN, GREEN_ITEMS),
    ):
        checklist, created = Checklist.objects.get_or_create(name=name, defaults={"area_type": area_type})
        if created:
            for order, (text, deduction, cap, category) in enumerate(items, start=1):
                ChecklistItem.objects.create(
                    checklist=checklist,
                    order=order,
                    text=text,
                    deduction=deduction,
                    max_deduction=cap,
                    category=Category.objects.filter(name=category, is_active=True).first()
                    if category
                    else None,
                )
        made.append(checklist)
    return made
