"""Where the shop delivers and at what price: zones (lists of countries), the methods each
zone offers and, for methods priced by weight, their weight bands."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop.shipping.carriers import Carrier, tracking_url

MONEY = {"max_digits": 12, "decimal_places": 2}


def _country_codes(value: str) -> list[str]:
    return [code.strip().upper() for code in value.replace(";", ",").split(",") if code.strip()]


def validate_country_list(value: str) -> None:
    bad = [code for code in _country_codes(value) if len(code) != 2 or not code.isalpha()]
    if bad or not _country_codes(value):
        raise ValidationError(
            _("List ISO 3166 alpha-2 country codes separated by commas, such as FR, BE, MC.")
        )


class ShippingZone(models.Model):
    name = models.CharField(_("name"), max_length=100)
    #: ISO 3166 alpha-2 codes, comma-separated ("FR, BE, MC").
    countries = models.CharField(
        _("countries"), max_length=1000, validators=[validate_country_list]
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("shipping zone")
        verbose_name_plural = _("shipping zones")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.countries = ", ".join(_country_codes(self.countries))
        super().save(*args, **kwargs)

    @property
    def country_codes(self) -> frozenset[str]:
        return frozenset(_country_codes(self.countries))


class ShippingMethod(models.Model):
    class Kind(models.TextChoices):
        FLAT = "flat", _("Flat rate")
        WEIGHT = "weight", _("By weight")
        COLLECT = "collect", _("Collection in store (free)")

    zone = models.ForeignKey(ShippingZone, on_delete=models.PROTECT, related_name="methods")
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.FLAT)
    #: The flat rate; for a method by weight, the price when no band applies is not used.
    price = models.DecimalField(
        _("price"), **MONEY, default=Decimal("0.00"), validators=[MinValueValidator(0)]
    )
    #: Whether the shop-wide free-delivery threshold (SHIPPING_FREE_ABOVE) applies.
    free_above_threshold = models.BooleanField(_("free above the threshold"), default=True)
    #: Working days from dispatch to the door, shown to the shopper.
    min_days = models.PositiveSmallIntegerField(_("days at least"), default=2)
    max_days = models.PositiveSmallIntegerField(_("days at most"), default=4)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "price", "id"]
        verbose_name = _("shipping method")
        verbose_name_plural = _("shipping methods")
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="shipping_price_gte_0"),
        ]

    def __str__(self) -> str:
        return self.name

    def serves(self, country: str) -> bool:
        return self.is_active and country.upper() in self.zone.country_codes


class WeightBand(models.Model):
    """A method by weight costs the price of the lightest band the parcel fits in."""

    method = models.ForeignKey(ShippingMethod, on_delete=models.CASCADE, related_name="bands")
    #: Heaviest parcel (grams, inclusive) this band carries.
    up_to_grams = models.PositiveIntegerField(_("up to (grams)"))
    price = models.DecimalField(_("price"), **MONEY, validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["up_to_grams"]
        verbose_name = _("weight band")
        verbose_name_plural = _("weight bands")
        constraints = [
            models.UniqueConstraint(fields=["method", "up_to_grams"], name="weight_band_unique"),
        ]

    def __str__(self) -> str:
        return f"≤ {self.up_to_grams} g"


class Shipment(models.Model):
    """A parcel of a delivery order handed to a carrier, from the warehouse or a store: one per
    order, or one per location that ships part of a split order."""

    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="shipments", verbose_name=_("order")
    )
    shipped_from = models.ForeignKey(
        "inventory.Location",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("shipped from"),
    )
    carrier = models.CharField(_("carrier"), max_length=20, choices=Carrier.choices)
    tracking_number = models.CharField(_("tracking number"), max_length=60)
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shipped_at = models.DateTimeField(_("shipped at"), auto_now_add=True)

    class Meta:
        ordering = ["-shipped_at", "-id"]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")

    def __str__(self) -> str:
        return f"{self.get_carrier_display()} {self.tracking_number}"

    @property
    def tracking_url(self) -> str:
        return tracking_url(self.carrier, self.tracking_number)
