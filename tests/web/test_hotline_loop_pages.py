"""The 12345 loop on the pages: the case page's 12345 panel, and the hotline agent's list of tickets
waiting to be signed for or for the centre's decision."""

import pytest
from django.urls import reverse

from cases import services
from tests.cases.conftest import case_in

pytestmark = pytest.mark.usefixtures("media_root", "fast_passwords")


def test_the_case_page_shows_the_tickets_loop(client, world):
    case = case_in(world, "in_progress", loop=True)
    services.case_request_extension(
        case=case, actor=world.p.department, reason="需更换设施", hours=8, reason_code="construction"
    )
    client.force_login(world.p.dispatcher)
    html = client.get(reverse("case-detail", args=[case.pk])).content.decode()
    assert 'data-loop-stage="extension_pending"' in html
    assert "延期待中心审批" in html and 'data-pending="extension"' in html
    assert 'data-message="in-dispatch"' not in html  # intake stored it directly, not as a message
    assert 'data-message="out-extension_request"' in html
    # The dispatcher may not decide a 12345 ticket's 延期: no such button.
    assert reverse("case-action", args=[case.pk, "approve_extension"]) not in html


def test_other_cases_have_no_12345_panel(client, world):
    case = case_in(world, "in_progress")
    client.force_login(world.p.dispatcher)
    assert "hotline-loop-panel" not in client.get(reverse("case-detail", args=[case.pk])).content.decode()


def test_the_hotline_agent_sees_what_waits_on_signing_and_on_the_centre(client, world):
    unsigned = case_in(world, "reported", loop=True)
    waiting = case_in(world, "in_progress", loop=True, pending="hotline_return")
    services.case_sign(case=waiting, actor=world.p.operator)
    client.force_login(world.p.hotline)
    html = client.get(reverse("hotline-tickets")).content.decode()
    assert f'data-loop-unsigned="{unsigned.hotline_ticket_no}"' in html
    assert f'data-loop-pending="{waiting.hotline_ticket_no}"' in html
    assert f'data-loop-unsigned="{waiting.hotline_ticket_no}"' not in html
