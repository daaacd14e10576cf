from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from shop.orders.models import Order
from shop.shipping.models import Shipment, ShippingMethod, ShippingZone, WeightBand
from shop.shipping.services import order_ship


class ShippingMethodInline(TranslationTabularInline):
    model = ShippingMethod
    extra = 0
    fields = ["code", "name", "kind", "price", "free_above_threshold", "is_active", "position"]
    show_change_link = True


@admin.register(ShippingZone)
class ShippingZoneAdmin(admin.ModelAdmin):
    list_display = ["name", "countries"]
    search_fields = ["name", "countries"]
    inlines = [ShippingMethodInline]


class WeightBandInline(admin.TabularInline):
    model = WeightBand
    extra = 1


@admin.register(ShippingMethod)
class ShippingMethodAdmin(TranslationAdmin):
    list_display = ["name", "code", "zone", "kind", "price", "free_above_threshold", "is_active"]
    list_filter = ["kind", "is_active", "zone"]
    list_select_related = ["zone"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [WeightBandInline]


class ShipmentForm(forms.ModelForm):
    class Meta:
        model = Shipment
        fields = ["order", "shipped_from", "carrier", "tracking_number"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "order" in self.fields:
            self.fields["order"].queryset = Order.objects.filter(
                fulfilment=Order.Fulfilment.DELIVERY, status=Order.Status.PLACED
            )

    def clean_order(self):
        order = self.cleaned_data["order"]
        if order.status != Order.Status.PLACED or order.fulfilment != Order.Fulfilment.DELIVERY:
            raise forms.ValidationError(_("Only a placed delivery order can be shipped."))
        return order


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    """A manager ships a placed delivery order by adding its shipment: the order becomes
    shipped and the customer is emailed the tracking link. Shipments are not edited after."""

    form = ShipmentForm
    list_display = ["order", "carrier", "tracking_number", "shipped_from", "shipped_at"]
    list_filter = ["carrier", "shipped_from"]
    list_select_related = ["order", "shipped_from"]
    search_fields = ["^order__number", "tracking_number"]
    raw_id_fields = ["order"]
    ordering = ["-id"]

    def has_change_permission(self, request, obj=None):
        return obj is None

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        shipment = order_ship(
            order=obj.order,
            carrier=obj.carrier,
            tracking_number=obj.tracking_number,
            shipped_from=obj.shipped_from,
            user=request.user,
        )
        obj.pk = shipment.pk
        self.message_user(request, _("The customer was sent the tracking link."))
