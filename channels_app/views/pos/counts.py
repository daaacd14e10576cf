"""Cycle counts at the till: the clerk scans (or types) what is on the shelf, then records the
count. The draft lives in the session until it is recorded; the time each item was first
scanned is when it was counted, so sales of it rung up afterwards are not taken for variances."""

import uuid
from datetime import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from channels_app.idempotency import IdempotencyKeyInProgress, run_form_once
from channels_app.views.pos.access import pos_view
from inventory.accuracy import count_list_for_category, count_suggestions
from inventory.counts import CountedLine, stock_count_record
from inventory.models import StockCount
from shop.catalog.errors import VariantNotFound
from shop.catalog.models import Category
from shop.catalog.selectors import variant_by_code, variants_by_sku
from shop.channels import Channel
from shop.errors import DomainError

RECENT_COUNTS = 10


class CountItemForm(forms.Form):
    code = forms.CharField(max_length=64, strip=True)
    quantity = forms.IntegerField(min_value=0, max_value=settings.MAX_LINE_QUANTITY, initial=1)
    #: "add" (a scan: the units come on top of those already counted) or "set".
    mode = forms.ChoiceField(choices=[("add", "add"), ("set", "set")], initial="add")


def _key(store) -> str:
    return f"pos_count:{store.code}"


def _draft(request, store) -> dict:
    """{"started_at": iso, "lines": {sku: units}, "first_scans": {sku: iso}}"""
    draft = request.session.get(_key(store)) or {"started_at": None, "lines": {}}
    draft.setdefault("first_scans", {})
    return draft


def _save(request, store, draft: dict) -> None:
    request.session[_key(store)] = draft


def _first_scan(draft: dict, sku: str) -> datetime | None:
    """Sales of an item before it was scanned happened before the clerk looked at it."""
    moment = draft["first_scans"].get(sku)
    return datetime.fromisoformat(moment) if moment else None


def _to_count(store, category: str):
    """A category's shelf when one is chosen, else what the system proposes."""
    if category:
        return count_list_for_category(location=store, category_slug=category)
    return count_suggestions(location=store)


@require_GET
@pos_view
def count_page(request, store):
    category = request.GET.get("category", "").strip()
    draft = _draft(request, store)
    skus = list(draft["lines"])
    variants = variants_by_sku(skus=skus, active_only=False) if skus else {}
    lines = [
        {"sku": sku, "name": variants[sku].display_name, "counted": n}
        for sku, n in draft["lines"].items()
        if sku in variants
    ]
    started_at = datetime.fromisoformat(draft["started_at"]) if draft["started_at"] else None
    return render(
        request,
        "pos/count.html",
        {
            "lines": lines,
            "started_at": started_at,
            "idempotency_key": uuid.uuid4(),
            "suggestions": _to_count(store, category),
            "categories": Category.objects.order_by("name"),
            "category": category,
            "recent": StockCount.objects.filter(location=store, source=StockCount.Source.COUNT)
            .annotate(skus=Count("lines"), mismatched=Count("lines", filter=~Q(lines__variance=0)))
            .order_by("-created_at", "-id")[:RECENT_COUNTS],
        },
    )


@require_POST
@pos_view
def count_item(request, store):
    form = CountItemForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Scan an item and give the units found (0 or more)."))
        return redirect("pos:count")
    try:
        variant = variant_by_code(code=form.cleaned_data["code"])
    except VariantNotFound as error:
        messages.error(request, error.message)
        return redirect("pos:count")
    draft = _draft(request, store)
    now = timezone.now().isoformat()
    if draft["started_at"] is None:
        draft["started_at"] = now
    draft["first_scans"].setdefault(variant.sku, now)
    quantity = form.cleaned_data["quantity"]
    if form.cleaned_data["mode"] == "add":
        quantity += draft["lines"].get(variant.sku, 0)
    draft["lines"][variant.sku] = min(quantity, settings.MAX_LINE_QUANTITY)
    _save(request, store, draft)
    messages.success(
        request,
        gettext("%(name)s: %(value)s counted.")
        % {"name": variant.display_name, "value": draft["lines"][variant.sku]},
    )
    return redirect("pos:count")


@require_POST
@pos_view
def count_remove(request, store, sku: str):
    draft = _draft(request, store)
    draft["lines"].pop(sku, None)
    draft["first_scans"].pop(sku, None)
    if not draft["lines"]:
        draft["started_at"] = None
    _save(request, store, draft)
    return redirect("pos:count")


@require_POST
@pos_view
def count_finish(request, store):
    draft = _draft(request, store)
    key = request.POST.get("idempotency_key", "").strip()
    if not draft["lines"] or not key:
        messages.error(request, gettext("Nothing counted yet."))
        return redirect("pos:count")

    def record() -> dict:
        variants = variants_by_sku(skus=list(draft["lines"]), active_only=False)
        count = stock_count_record(
            location=store,
            started_at=datetime.fromisoformat(draft["started_at"]),
            lines=[
                CountedLine(variants[sku], n, _first_scan(draft, sku))
                for sku, n in draft["lines"].items()
            ],
            channel=Channel.POS,
            user=request.user,
        )
        return {"count": count.pk}

    try:
        result = run_form_once(request, key=key, fn=record)
    except IdempotencyKeyInProgress:
        messages.info(request, gettext("The count is being recorded."))
        return redirect("pos:count")
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("pos:count")
    request.session.pop(_key(store), None)
    return redirect("pos:count-done", pk=result["count"])


@require_GET
@pos_view
def count_done(request, store, pk: int):
    count = get_object_or_404(StockCount.objects.select_related("location"), pk=pk, location=store)
    lines = list(count.lines.select_related("variant__product"))
    return render(
        request,
        "pos/count_done.html",
        {
            "count": count,
            "lines": lines,
            "matched": sum(1 for line in lines if line.variance == 0),
            "shortfall": sum(line.reserved_shortfall for line in lines),
        },
    )
