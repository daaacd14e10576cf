"""The cash drawer: open with a float, the running expected cash, close with a count."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from channels_app.views.pos.access import pos_view
from channels_app.views.pos.forms import DrawerCloseForm, DrawerOpenForm, first_error
from shop.payments.drawer import (
    drawer_close,
    drawer_expected_cash,
    drawer_open,
    drawer_open_session,
)
from shop.payments.models import CashDrawerSession, Payment

#: Closed sessions listed under the drawer.
HISTORY_SHOWN = 8


@require_GET
@pos_view
def drawer(request, store):
    session = drawer_open_session(store=store)
    history = list(
        CashDrawerSession.objects.filter(store=store, closed_at__isnull=False)
        .select_related("opened_by", "closed_by")
        .order_by("-closed_at")[:HISTORY_SHOWN]
    )
    closed = None
    if closed_id := request.GET.get("closed", ""):
        closed = next((s for s in history if str(s.pk) == closed_id), None)
    context = {
        "session": session,
        "history": history,
        "closed": closed,
        "open_form": DrawerOpenForm(),
        "close_form": DrawerCloseForm(),
    }
    if session is not None:
        context["expected"] = drawer_expected_cash(session)
        context["movements"] = (
            session.payments.filter(method=Payment.Method.CASH)
            .select_related("order")
            .order_by("-created_at", "-id")
        )
    return render(request, "pos/drawer.html", context)


@require_POST
@pos_view
def open_drawer(request, store):
    form = DrawerOpenForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect("pos:drawer")
    drawer_open(store=store, user=request.user, opening_float=form.cleaned_data["opening_float"])
    messages.success(request, gettext("The till at %(name)s is open.") % {"name": store.name})
    return redirect("pos:drawer")


@require_POST
@pos_view
def close_drawer(request, store):
    form = DrawerCloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect("pos:drawer")
    session = drawer_open_session(store=store)
    if session is None:
        messages.error(request, gettext("The till is already closed."))
        return redirect("pos:drawer")
    session = drawer_close(
        session=session, user=request.user, counted_cash=form.cleaned_data["counted_cash"]
    )
    messages.success(request, gettext("The till is closed."))
    return redirect(f"{reverse('pos:drawer')}?closed={session.pk}")
