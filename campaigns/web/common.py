"""What the pages share: who may open them, and running a form through a service."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cases.errors import ActionError
from cases.web.inspector import JS_STRINGS
from core.roles import Role

# Everyone who takes part: the office (leaders and office staff), departments, inspectors, the admin.
STAFF = frozenset(
    {
        Role.SUPERVISOR,
        Role.SHIFT_LEADER,
        Role.DEPARTMENT,
        Role.INSPECTOR,
        Role.ADMIN,
        Role.DISPATCHER,
        Role.OPERATOR,
    }
)


# A street's sub-centre (docs/domain.md §13) follows its street's part of the campaigns: it reads the
# campaign pages (their rows scoped to the street, campaigns/selectors.py) and acts on none of them.
READERS = frozenset({Role.STREET_DISPATCHER, Role.STREET_LEADER})


def require_staff(user, *, read: bool = False) -> None:
    """Who may open a campaign page; `read`: a page that only shows rows, which a street's staff read too."""
    if user.roles & STAFF or user.campaign_offices.exists():
        return
    if read and user.roles & READERS and user.street_id:
        return
    raise PermissionDenied(_("该页面仅供参与专项工作的人员使用"))


def run_form(request, form, call, *, success, template="campaigns/form.html", context=None, done=""):
    """POST: validate, call the service; its refusal is shown on the field it names (or above the form)."""
    if request.method == "POST" and form.is_valid():
        try:
            result = call(form.cleaned_data)
        except ActionError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, exc.message)
        else:
            if done:
                messages.success(request, done)
            return redirect(success(result) if callable(success) else success)
    status = 400 if request.method == "POST" else 200
    # report.js's strings: campaigns/form.html uses the report page's map picker and photo buttons.
    context = {"form": form, "js_strings": JS_STRINGS, **(context or {})}
    return render(request, template, context, status=status)
