"""挂号 / 销号 pages: the list (open items past their deadline light red), registering, the item page
with its photos and history, 整改 by the unit and 销号 after a check with a photo."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns import selectors
from campaigns.filters import RegisterItemFilterSet
from campaigns.models import Event, Photo, RegisterItem
from campaigns.services import registry as svc
from campaigns.web import forms
from campaigns.web.common import require_staff, run_form
from cases.errors import InvalidInput
from cases.models import Case


@login_required
def item_list(request):
    require_staff(request.user, read=True)
    filterset = RegisterItemFilterSet(request.GET or None, queryset=selectors.items_for(request.user))
    items = filterset.qs[:300]
    return render(request, "campaigns/register_list.html", {"items": items, "filter": filterset})


@login_required
def item_create(request):
    require_staff(request.user)
    initial = {"campaign": request.GET.get("campaign")}
    form = forms.ItemForm(request.POST or None, request.FILES or None, initial=initial)

    def call(data):
        data = dict(data)
        number = data.pop("case_number", "").strip()
        case = None
        if number:
            case = Case.objects.filter(number=number).first()
            if case is None:
                raise InvalidInput(_("没有编号为 %(n)s 的案件") % {"n": number}, field="case_number")
        return svc.item_register(actor=request.user, case=case, **data)

    return run_form(
        request,
        form,
        call,
        success=lambda item: reverse("register-detail", args=[item.pk]),
        context={"title": _("挂号"), "back": reverse("register-list"), "multipart": True},
        done=_("已挂号"),
    )


@login_required
def item_detail(request, pk: int):
    require_staff(request.user, read=True)
    item = get_object_or_404(selectors.items_for(request.user), pk=pk)
    return render(
        request,
        "campaigns/register_detail.html",
        {
            "item": item,
            "photos": Photo.objects.filter(subject="item", subject_id=item.pk),
            "events": Event.objects.filter(subject="item", subject_id=item.pk).select_related("actor"),
            "form": forms.NotePhotosForm(),
        },
    )


def _act(service, done):
    @login_required
    def view(request, pk: int):
        require_staff(request.user)
        items = selectors.in_district(RegisterItem.objects.all(), request.user, "street__district_id")
        item = get_object_or_404(items, pk=pk)
        form = forms.NotePhotosForm(request.POST or None, request.FILES or None)
        back = reverse("register-detail", args=[pk])
        return run_form(
            request,
            form,
            lambda data: service(item=item, actor=request.user, **data),
            success=back,
            context={"title": f"{done} · {item.number}", "back": back, "multipart": True},
            done=str(done),
        )

    return view


urlpatterns = [
    path("register/", item_list, name="register-list"),
    path("register/new/", item_create, name="register-create"),
    path("register/<int:pk>/", item_detail, name="register-detail"),
    path(
        "register/<int:pk>/rectify/",
        _act(svc.item_rectify, gettext_lazy("报告整改")),
        name="register-rectify",
    ),
    path("register/<int:pk>/clear/", _act(svc.item_clear, gettext_lazy("核查销号")), name="register-clear"),
]
