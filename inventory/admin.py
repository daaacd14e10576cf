"""Stock, reservations and the ledger are read-only here: every change goes through the
admin actions, which call `inventory.services` like every other channel."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from inventory import services
from inventory.accuracy import stock_accuracy_by_store
from inventory.discrepancies import stock_discrepancy_resolve
from inventory.models import (
    Location,
    PostcodeCentroid,
    Reservation,
    Stock,
    StockCount,
    StockCountLine,
    StockDiscrepancy,
    StockMovement,
)
from shop.admin_base import LargeTableMixin, ReadOnlyAdmin
from shop.channels import Channel
from shop.errors import DomainError


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "click_and_collect", "ships_online", "is_active"]
    list_filter = ["kind", "click_and_collect", "ships_online", "is_active"]
    search_fields = ["code", "name", "address"]


@admin.register(PostcodeCentroid)
class PostcodeCentroidAdmin(admin.ModelAdmin):
    list_display = ["country", "prefix", "latitude", "longitude"]
    list_filter = ["country"]
    search_fields = ["^prefix"]


class QuantityForm(forms.Form):
    quantity = forms.IntegerField(
        min_value=-settings.MAX_LINE_QUANTITY, max_value=settings.MAX_LINE_QUANTITY
    )
    reason = forms.ChoiceField(choices=[(r, r.title()) for r in services.ADJUSTMENT_REASONS])
    reference = forms.CharField(max_length=120, required=False)


def _stock_form_action(description: str, run, *, with_reason: bool):
    """An admin action that asks for a quantity, then calls `run(stock, data, user)` per row."""

    def action(modeladmin, request, queryset):
        form = QuantityForm(request.POST if "apply" in request.POST else None)
        if not with_reason:
            form.fields.pop("reason")
            form.fields["quantity"] = forms.IntegerField(
                min_value=1, max_value=settings.MAX_LINE_QUANTITY
            )
        if form.is_bound and form.is_valid():
            done = 0
            for stock in queryset.select_related("location", "variant"):
                try:
                    run(stock, form.cleaned_data, request.user)
                    done += 1
                except DomainError as exc:
                    modeladmin.message_user(request, f"{stock}: {exc.message}", messages.ERROR)
            if done:
                modeladmin.message_user(request, f"{description}: {done} row(s) updated.")
            return None
        return TemplateResponse(
            request,
            "admin/inventory/stock_action.html",
            {
                **modeladmin.admin_site.each_context(request),
                "title": description,
                "form": form,
                "rows": queryset.select_related("location", "variant"),
                "action": request.POST["action"],
                "opts": modeladmin.model._meta,
            },
        )

    action.short_description = description
    action.__name__ = description.lower().replace(" ", "_")
    return action


receive_action = _stock_form_action(
    "Receive units",
    lambda stock, data, user: services.stock_receive(
        location=stock.location,
        lines=[services.StockLine(stock.variant, data["quantity"])],
        reference=data["reference"] or "admin receipt",
        channel=Channel.BACKOFFICE,
        user=user,
    ),
    with_reason=False,
)

adjust_action = _stock_form_action(
    "Adjust on hand",
    lambda stock, data, user: services.stock_adjust(
        location=stock.location,
        variant=stock.variant,
        quantity=data["quantity"],
        reason=data["reason"],
        reference=data["reference"],
        channel=Channel.BACKOFFICE,
        user=user,
    ),
    with_reason=True,
)


# Searches through variants and products look in those tables first (shop.admin_search), where
# SKUs have a prefix index, barcodes a unique one and product names a trigram one (PostgreSQL).
SKU_SEARCH = ["^variant__sku", "variant__barcode__exact"]


@admin.register(Stock)
class StockAdmin(LargeTableMixin, ReadOnlyAdmin):
    list_display = ["variant", "location", "on_hand", "reserved", "safety_stock", "updated_at"]
    list_filter = ["location", "variant__product__category"]
    search_fields = [*SKU_SEARCH, "variant__product__name"]
    list_select_related = ["variant__product", "location"]
    # The (location, variant) unique index; the models' orderings would sort by joined names.
    ordering = ["location_id", "variant_id"]
    actions = [receive_action, adjust_action]


@admin.register(Reservation)
class ReservationAdmin(LargeTableMixin, ReadOnlyAdmin):
    list_display = ["id", "order_number", "variant", "location", "quantity", "state", "expires_at"]
    list_filter = ["state", "location"]
    search_fields = ["^order_line__order__number", *SKU_SEARCH]
    list_select_related = ["order_line__order", "variant__product", "location"]
    actions = ["release"]

    @admin.display(description="Order")
    def order_number(self, reservation):
        return reservation.order_line.order.number

    @admin.action(description="Release selected reservations")
    def release(self, request, queryset):
        count = services.stock_release(reservations=queryset)
        self.message_user(request, f"Released {count} reservation(s).")


@admin.register(StockMovement)
class StockMovementAdmin(LargeTableMixin, ReadOnlyAdmin):
    list_display = ["created_at", "kind", "variant", "location", "quantity", "channel", "reference"]
    list_filter = [("created_at", admin.DateFieldListFilter), "kind", "channel", "location"]
    search_fields = [*SKU_SEARCH, "^order__number"]
    list_select_related = ["variant__product", "location"]


class ResolveForm(forms.Form):
    resolution = forms.ChoiceField(choices=StockDiscrepancy.Resolution.choices)
    source = forms.ModelChoiceField(
        queryset=Location.objects.filter(is_active=True),
        required=False,
        help_text="For a transfer: the location the units come from.",
    )
    note = forms.CharField(max_length=255, required=False)


@admin.register(StockDiscrepancy)
class StockDiscrepancyAdmin(ReadOnlyAdmin):
    """Units an offline till sold that the books could not give; resolved here by a count, a
    transfer in, or a write-off."""

    list_display = [
        "created_at",
        "location",
        "variant",
        "quantity",
        "status",
        "resolution",
        "reference",
    ]
    list_filter = ["status", "resolution", "location"]
    search_fields = [*SKU_SEARCH, "^order__number"]
    list_select_related = ["variant__product", "location"]
    actions = ["resolve"]

    @admin.action(description="Resolve selected discrepancies")
    def resolve(self, request, queryset):
        form = ResolveForm(request.POST if "apply" in request.POST else None)
        rows = queryset.filter(status=StockDiscrepancy.Status.OPEN).select_related(
            "location", "variant"
        )
        if form.is_bound and form.is_valid():
            done = 0
            for row in rows:
                try:
                    stock_discrepancy_resolve(
                        discrepancy=row,
                        resolution=form.cleaned_data["resolution"],
                        source=form.cleaned_data["source"],
                        note=form.cleaned_data["note"],
                        user=request.user,
                    )
                    done += 1
                except DomainError as exc:
                    self.message_user(request, f"{row}: {exc.message}", messages.ERROR)
            if done:
                self.message_user(request, f"Resolved {done} discrepancy(ies).")
            return None
        return TemplateResponse(
            request,
            "admin/inventory/discrepancy_resolve.html",
            {
                **self.admin_site.each_context(request),
                "title": "Resolve discrepancies",
                "form": form,
                "rows": rows,
                "action": request.POST["action"],
                "opts": self.model._meta,
            },
        )


class StockCountLineInline(admin.TabularInline):
    model = StockCountLine
    fields = ["variant", "expected", "counted", "variance", "adjusted", "reserved_shortfall"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


#: The periods the accuracy page offers, in days.
ACCURACY_PERIODS = (7, 30, 90)


@admin.register(StockCount)
class StockCountAdmin(LargeTableMixin, ReadOnlyAdmin):
    """Counts and their variances; "Stock accuracy" shows the figure per location."""

    list_display = ["created_at", "location", "source", "user", "started_at"]
    list_filter = [("created_at", admin.DateFieldListFilter), "source", "location"]
    list_select_related = ["location", "user"]
    inlines = [StockCountLineInline]
    change_list_template = "admin/inventory/stockcount_change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.accuracy_view)
        return [path("accuracy/", view, name="inventory_stockcount_accuracy"), *super().get_urls()]

    def accuracy_view(self, request):
        try:
            days = int(request.GET.get("days", 30))
        except ValueError:
            days = 30
        days = days if days in ACCURACY_PERIODS else 30
        start = timezone.now() - timedelta(days=days)
        return TemplateResponse(
            request,
            "admin/inventory/stock_accuracy.html",
            {
                **self.admin_site.each_context(request),
                "title": "Stock accuracy",
                "opts": self.model._meta,
                "rows": stock_accuracy_by_store(start=start),
                "days": days,
                "periods": ACCURACY_PERIODS,
            },
        )
