"""Forms of the shopper's pages: they parse and type the input; the services decide the rest."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _

from carts.checkout import ADDRESS_FIELDS, CheckoutDetails
from channels_app.address_forms import saved_or_typed_address
from inventory.models import Location
from shop.customers.address_rules import country_code
from shop.orders.models import Order
from shop.payments.models import Payment
from shop.payments.tenders import Tender
from shop.shipping.models import ShippingMethod


def gift_card_fields(*, amount_label: str) -> tuple[forms.Field, forms.Field]:
    """A gift card paying part of a checkout or a till sale: its code and the amount."""
    return (
        forms.CharField(label=gettext_lazy("Gift card code"), max_length=40, required=False),
        forms.DecimalField(
            label=amount_label,
            required=False,
            max_digits=12,
            decimal_places=2,
            min_value=Decimal("0.01"),
        ),
    )


class CartLineAddForm(forms.Form):
    sku = forms.CharField(max_length=64)
    quantity = forms.IntegerField(min_value=1, max_value=settings.MAX_CART_LINE_QUANTITY)


class CartLineUpdateForm(forms.Form):
    quantity = forms.IntegerField(min_value=1, max_value=settings.MAX_CART_LINE_QUANTITY)


class PromotionCodeForm(forms.Form):
    code = forms.CharField(max_length=40, strip=True)


MARKETING_CONSENT_LABEL = _("Email me offers, and a reminder if I leave items in my cart")


class CheckoutForm(forms.Form):
    """The business rules (an address for delivery, a store for collect, pay at pickup for
    collect only) are checked by `checkout_place`; its errors come back onto these fields."""

    idempotency_key = forms.CharField(max_length=255, widget=forms.HiddenInput)
    email = forms.EmailField(max_length=254)
    fulfilment = forms.ChoiceField(
        choices=[
            (Order.Fulfilment.DELIVERY, _("Home delivery")),
            (Order.Fulfilment.COLLECT, _("Click and collect")),
        ],
        widget=forms.RadioSelect,
    )
    store = forms.ModelChoiceField(
        queryset=Location.objects.filter(is_active=True, click_and_collect=True),
        to_field_name="code",
        required=False,
        error_messages={"invalid_choice": _("Choose one of the stores listed.")},
    )
    name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    line1 = forms.CharField(label=_("Address"), max_length=200, required=False)
    postcode = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    country = forms.CharField(label=_("Country"), max_length=100, required=False)
    #: A saved address of the signed-in shopper's book, used instead of the fields above.
    address = forms.IntegerField(required=False)
    shipping_method = forms.ModelChoiceField(
        queryset=ShippingMethod.objects.filter(is_active=True).select_related("zone"),
        to_field_name="code",
        required=False,
        error_messages={"invalid_choice": _("Choose one of the delivery options listed.")},
    )
    payment_method = forms.ChoiceField(
        choices=[
            (Payment.Method.CARD, _("Card")),
            (Payment.Method.PAY_AT_PICKUP, _("Pay at pickup")),
        ],
        widget=forms.RadioSelect,
    )
    #: Made by the configured gateway's card widget; the gateway judges it.
    card_token = forms.CharField(label=_("Card"), max_length=255, required=False)
    marketing_consent = forms.BooleanField(label=MARKETING_CONSENT_LABEL, required=False)
    all_or_nothing = forms.BooleanField(required=False)
    #: Part of the order paid with a gift card; the payment method pays the rest.
    gift_card_code, gift_card_amount = gift_card_fields(amount_label=_("Amount from the gift card"))
    #: A signed-in customer spends their store credit first (as much as the order needs).
    use_store_credit = forms.BooleanField(label=gettext_lazy("Use my store credit"), required=False)

    #: What a service error's `details` names → the field that shows it.
    FIELD_FOR_DETAIL = {
        "payment": "payment_method",
        "payments": "gift_card_code",
        "amount": "gift_card_amount",
        "shipping_address": "country",
        **{f: f for f in ADDRESS_FIELDS},
    }

    def clean(self):
        data = super().clean()
        if bool(data.get("gift_card_code")) != bool(data.get("gift_card_amount")):
            self.add_error(
                "gift_card_amount", gettext("Enter the gift card's code and the amount.")
            )
        return data

    def clean_country(self) -> str:
        value = self.cleaned_data["country"].strip()
        return country_code(value) or value

    def details(
        self,
        total: Decimal | None = None,
        store_credit: Decimal = Decimal("0.00"),
        customer=None,
    ) -> CheckoutDetails:
        """`total`: the cart's total, needed when a gift card or the store credit pays part
        of it (when they cover it all, nothing is left for the payment method);
        `store_credit`: what the signed-in customer's credit holds; `customer`: whose saved
        addresses may be chosen."""
        data = self.cleaned_data
        card = data["payment_method"] == Payment.Method.CARD
        delivery = data["fulfilment"] == Order.Fulfilment.DELIVERY
        method, stored = data["payment_method"], []
        if data.get("gift_card_code"):
            stored.append(
                Tender(
                    Payment.Method.GIFT_CARD,
                    amount=data["gift_card_amount"],
                    code=data["gift_card_code"],
                )
            )
        if data.get("use_store_credit") and store_credit > 0 and total is not None:
            left = total - sum((tender.amount for tender in stored), Decimal("0.00"))
            if left > 0:
                stored.append(Tender(Payment.Method.STORE_CREDIT, amount=min(store_credit, left)))
        tenders = ()
        if stored:
            paid = sum((tender.amount for tender in stored), Decimal("0.00"))
            covered = total is not None and paid >= total
            rest = Tender(method, card_token=data["card_token"] if card else "")
            tenders = tuple(stored) if covered else (*stored, rest)
            method = "" if covered else method
        return CheckoutDetails(
            email=data["email"],
            fulfilment=data["fulfilment"],
            payment_method=method,
            store=None if delivery else data["store"],
            shipping_address=saved_or_typed_address(data, customer) if delivery else {},
            shipping_method=data.get("shipping_method") if delivery else None,
            card_token=data["card_token"] if card and method else "",
            all_or_nothing=data["all_or_nothing"],
            tenders=tenders,
        )

    def add_service_error(self, message: str, details: list) -> None:
        """Puts a service's `InvalidInput` message on the fields its details name."""
        fields = [
            self.FIELD_FOR_DETAIL.get(d, d)
            for d in details
            if isinstance(d, str) and self.FIELD_FOR_DETAIL.get(d, d) in self.fields
        ]
        if not fields:
            self.add_error(None, message)
            return
        self.add_error(fields[0], message)
        for field in fields[1:]:
            self.add_error(field, _("Required."))
