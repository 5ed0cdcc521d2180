"""Issue #25: each role's 工作台 is its day — what waits (with lights), my figures, the way to my work."""

from django.urls import reverse

from tests.cases.conftest import case_in, hotline_report


def test_inspector_sees_verifications_and_checks_waiting_in_the_grids(world, as_role):
    case_in(world, "verifying")
    case_in(world, "pending_check")
    case_in(world, "pending_check")
    html = as_role("inspector").get(reverse("home")).content.decode()
    verify = html.split('data-day="inspector-verify"')[1].split("</a>")[0]
    check = html.split('data-day="inspector-check"')[1].split("</a>")[0]
    assert '<span class="card-count">1</span>' in verify and "待核实" in verify
    assert '<span class="card-count">2</span>' in check and "待核查" in check
    assert f'href="{reverse("inspector-report")}">上报问题' in html


def test_operator_queue_cards_count_and_show_no_lights_when_all_is_green(world, as_role):
    case_in(world, "reported")
    html = as_role("operator").get(reverse("home")).content.decode()
    accept = html.split('data-queue="accept"')[1].split("</a>")[0]
    assert '<span class="card-count">1</span>' in accept and "超期" not in accept


def test_hotline_agent_sees_today_and_the_callbacks(world, as_role):
    hotline_report(world, ticket="H-1")
    html = as_role("hotline").get(reverse("home")).content.decode()
    today = html.split('data-day="hotline-today"')[1].split("</a>")[0]
    assert '<span class="card-count">1</span>' in today
    assert 'data-day="hotline-callbacks"' in html and f'href="{reverse("hotline-intake")}">登记来电' in html


def test_supervisor_sees_headline_figures_against_targets(world, as_role):
    html = as_role("supervisor").get(reverse("home")).content.decode()
    assert "本月主要指标" in html and html.count("data-headline=") >= 4
    assert "目标 ≥" in html


def test_admin_has_the_way_into_the_admin(world, as_role):
    world.p.admin.is_staff = True
    world.p.admin.save(update_fields=["is_staff"])
    html = as_role("admin").get(reverse("home")).content.decode()
    assert f'href="{reverse("admin:index")}" data-admin-link' in html
