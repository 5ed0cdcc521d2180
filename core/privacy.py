"""Who may see a reporter's contact details (name, phone, email): the one place that decides it.

A hotline caller or a member of the public who reports a problem gives a phone number so that the
city can call back, nothing else. Personal information is shown only to a role that has to use it
(the "minimum necessary" rule of the 个人信息保护法), so:

- 热线坐席 hotline agents: yes. They log the caller's ticket and make the 回访 call after closure,
  and tell an unreachable caller apart from a dissatisfied one.
- 受理员 operators: yes. At 受理 they may have to call the reporter back to pin down the place or the
  problem before sending an inspector, and they work the hotline ticket queue (tickets waiting for a
  position are located by asking the caller).
- 值班长 shift leaders: no. 立案, 结案 and reopening are decided on the verified facts of the case; a
  caller's dissatisfaction reaches them through the hotline agent's 回访 record.
- 派遣员 dispatchers: no. They route work to departments; who reported it plays no part.
- 专业部门 departments: no. They fix the problem on the spot; a department never calls a citizen on
  the centre's behalf, and a department that disagrees asks for 回退 instead.
- 监督员 inspectors: no. 核实 and 核查 are done on site against the report's position, photos and
  description; their phone pages are where a number would most easily leak.
- 领导/督查 supervisors and 管理员 admins: no. Oversight and master data need cases and figures, not
  callers; KPIs count callbacks and satisfaction, never who answered.
- The public (Open311), exports, KPI reports, notifications and the admin's case pages: never, for
  any role but the two above.

Users holding several roles see the caller if any of their roles may. Everywhere else the contact
details are left out entirely (not masked), so that no part of a number is shown either.
"""

from core.roles import Role

CALLER_CONTACT_ROLES = frozenset({Role.HOTLINE, Role.OPERATOR})

# The fields that carry a reporter's or caller's contact details, on cases and hotline tickets.
CONTACT_FIELDS = ("reporter_name", "reporter_phone", "reporter_email", "caller_name", "caller_phone")


def can_see_caller(user) -> bool:
    roles = getattr(user, "roles", None) or set()
    return bool(getattr(user, "is_authenticated", False) and roles & CALLER_CONTACT_ROLES)
