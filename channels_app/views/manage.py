"""The manager dashboard: /manage/ (charts and their tables) and its CSV exports."""

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from channels_app.dashboard import dashboard_tables, table_csv_write
from shop.errors import InvalidInput
from shop.marketing.models import AttributionModel
from shop.marketing.reports import Period, period_parse
from shop.staff.roles import is_manager


def manager_page(view):
    """Signed in (allauth's page, with its second factor), a manager, GET only."""

    @login_required
    @require_GET
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_manager(request.user):
            raise PermissionDenied(gettext("The dashboard is for managers."))
        return view(request, *args, **kwargs)

    return wrapper


def _period(request) -> Period:
    return period_parse(
        start=request.GET.get("from"), end=request.GET.get("to"), model=request.GET.get("model")
    )


@manager_page
def dashboard(request):
    try:
        period = _period(request)
    except InvalidInput as error:
        return render(request, "manage/error.html", {"message": error.message}, status=400)
    # Keyed for the template, whose variables cannot hold a hyphen.
    tables = {name.replace("-", "_"): table for name, table in dashboard_tables(period).items()}
    return render(
        request,
        "manage/dashboard.html",
        {
            "period": period,
            "models": AttributionModel.choices,
            "tables": tables,
            "query": request.GET.urlencode(),
        },
    )


@manager_page
def export(request, name: str):
    try:
        period = _period(request)
    except InvalidInput as error:
        return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
    table = dashboard_tables(period, only=name).get(name)
    if table is None:
        raise Http404(f"No table {name!r}.")
    filename = f"{name}-{period.start}-{period.end}-{period.model}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    table_csv_write(table, response)
    return response
