"""Forms of the clerk's pages: they parse and type the input; the services decide the rest."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext, gettext_lazy

from carts.checkout import CheckoutDetails
from carts.pos import TillPayment
from channels_app.address_forms import saved_or_typed_address
from channels_app.forms import gift_card_fields
from inventory.models import Location
from shop.orders.models import Order
from shop.payments.models import Payment
from shop.payments.tenders import Tender

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0.00")}


def first_error(form: forms.Form) -> str:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else None
        return f"{label}: {errors[0]}" if label else errors[0]
    return gettext("Check the form.")


class ScanForm(forms.Form):
    code = forms.CharField(max_length=100, strip=True)


class LineAddForm(forms.Form):
    sku = forms.CharField(max_length=64)
    quantity = forms.IntegerField(
        min_value=1, max_value=settings.MAX_CART_LINE_QUANTITY, required=False
    )


class QuantityForm(forms.Form):
    quantity = forms.IntegerField(min_value=1, max_value=settings.MAX_CART_LINE_QUANTITY)


class CodeForm(forms.Form):
    code = forms.CharField(max_length=40, strip=True)


class CustomerForm(forms.Form):
    customer = forms.IntegerField(min_value=1)


class PaymentForm(forms.Form):
    idempotency_key = forms.CharField(max_length=255, widget=forms.HiddenInput)
    #: The signature of the sale the clerk saw (see `SaleContents.signature`).
    sale = forms.CharField(max_length=64, widget=forms.HiddenInput)
    method = forms.ChoiceField(
        choices=[
            (Payment.Method.CASH, gettext_lazy("Cash")),
            (Payment.Method.CARD, gettext_lazy("Card")),
        ],
        widget=forms.RadioSelect,
    )
    tendered = forms.DecimalField(label=gettext_lazy("Cash tendered"), required=False, **MONEY)
    terminal_reference = forms.CharField(
        label=gettext_lazy("Terminal reference"), max_length=120, required=False, strip=True
    )
    #: Cash: the clerk has seen the change due (on the review step, or live on the page).
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    #: Part of the sale paid with a gift card; cash or card pays the rest.
    gift_card_code, gift_card_amount = gift_card_fields(
        amount_label=gettext_lazy("From the gift card")
    )
    #: The attached customer's store credit pays as much of the sale as it can.
    use_store_credit = forms.BooleanField(label=gettext_lazy("Use store credit"), required=False)

    def clean(self):
        data = super().clean()
        if bool(data.get("gift_card_code")) != bool(data.get("gift_card_amount")):
            self.add_error(
                "gift_card_amount", gettext("Enter both the gift card's code and the amount.")
            )
        method = data.get("method")
        if data.get("gift_card_code") or data.get("use_store_credit"):
            return data  # what they leave, and so what else is needed, is known at sale
        if method == Payment.Method.CASH and data.get("tendered") is None:
            self.add_error("tendered", gettext("Enter the cash the customer handed over."))
        if method == Payment.Method.CARD and not data.get("terminal_reference"):
            self.add_error("terminal_reference", gettext("Enter the card terminal's reference."))
        return data

    def rest_missing(self) -> str:
        """When gift cards or store credit leave something to pay: what the card tender still
        lacks ("" when nothing)."""
        data = self.cleaned_data
        if data["method"] == Payment.Method.CARD and not data.get("terminal_reference"):
            return "Enter the card terminal's reference for what is left to pay."
        return ""

    def gift_card_share(self) -> Decimal:
        return self.cleaned_data.get("gift_card_amount") or Decimal("0.00")

    def store_credit_share(self, total: Decimal, *, store_credit: Decimal) -> Decimal:
        """What the store credit pays: as much as the sale needs after the gift card, at most
        the customer's balance; nothing unless asked for."""
        if not self.cleaned_data.get("use_store_credit"):
            return Decimal("0.00")
        return max(Decimal("0.00"), min(store_credit, total - self.gift_card_share()))

    def stored_value_share(self, total: Decimal, *, store_credit: Decimal) -> Decimal:
        return self.gift_card_share() + self.store_credit_share(total, store_credit=store_credit)

    def tenders(
        self, total: Decimal, *, store_credit: Decimal = Decimal("0.00")
    ) -> tuple[Tender, ...]:
        """With a gift card or store credit: their shares, and cash or card for what they leave
        (if anything). Without them: () and `payment()` pays it all."""
        data = self.cleaned_data
        stored = []
        if data.get("gift_card_code"):
            stored.append(
                Tender(
                    method=Payment.Method.GIFT_CARD,
                    code=data["gift_card_code"],
                    amount=data["gift_card_amount"],
                )
            )
        credit = self.store_credit_share(total, store_credit=store_credit)
        if credit > 0:
            stored.append(Tender(method=Payment.Method.STORE_CREDIT, amount=credit))
        if not stored:
            return ()
        if self.stored_value_share(total, store_credit=store_credit) >= total:
            return tuple(stored)
        rest = self.payment()
        return (
            *stored,
            Tender(
                method=rest.method,
                tendered=rest.tendered,
                terminal_reference=rest.terminal_reference,
            ),
        )

    def payment(self) -> TillPayment:
        data = self.cleaned_data
        cash = data["method"] == Payment.Method.CASH
        return TillPayment(
            method=data["method"],
            tendered=data["tendered"] if cash else None,
            terminal_reference="" if cash else data["terminal_reference"],
        )


class DeskPaymentForm(forms.Form):
    """What is owed on a pay-at-pickup order, taken at the desk: cash or card, optionally with
    a gift card paying part (or all) of it."""

    payment_method = forms.ChoiceField(
        choices=[(Payment.Method.CASH, "Cash"), (Payment.Method.CARD, "Card")],
        required=False,
    )
    terminal_reference = forms.CharField(max_length=120, required=False, strip=True)
    gift_card_code, gift_card_amount = gift_card_fields(amount_label="From the gift card")

    def clean(self):
        data = super().clean()
        if bool(data.get("gift_card_code")) != bool(data.get("gift_card_amount")):
            self.add_error("gift_card_amount", "Enter both the gift card's code and the amount.")
        data["payment_method"] = data.get("payment_method") or Payment.Method.CASH
        return data

    def rest_missing(self, owed: Decimal) -> str:
        """What the card paying the rest of `owed` lacks ("" when nothing)."""
        data = self.cleaned_data
        gift = data.get("gift_card_amount") or Decimal("0.00")
        card = data["payment_method"] == Payment.Method.CARD
        if card and gift < owed and not data.get("terminal_reference"):
            return "Enter the card terminal's reference."
        return ""

    def tenders(self, owed: Decimal) -> tuple[Tender, ...]:
        """With a gift card: its share, and cash or card for exactly what it leaves. Without
        one: () and the payment method pays it all."""
        data = self.cleaned_data
        if not data.get("gift_card_code"):
            return ()
        gift = Tender(
            method=Payment.Method.GIFT_CARD,
            code=data["gift_card_code"],
            amount=data["gift_card_amount"],
        )
        if data["gift_card_amount"] >= owed:
            return (gift,)
        cash = data["payment_method"] == Payment.Method.CASH
        return (
            gift,
            Tender(
                method=data["payment_method"],
                amount=owed - data["gift_card_amount"],
                terminal_reference="" if cash else data["terminal_reference"],
            ),
        )


class EndlessAisleForm(forms.Form):
    """An order placed at the till for items this store does not have: delivered, or collected
    at another store; paid on the card terminal now or at pickup."""

    idempotency_key = forms.CharField(max_length=255, widget=forms.HiddenInput)
    skus = forms.MultipleChoiceField(
        label=gettext_lazy("Items"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Tick at least one item.")},
    )
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254)
    fulfilment = forms.ChoiceField(
        choices=[
            (Order.Fulfilment.DELIVERY, gettext_lazy("Deliver to the customer")),
            (Order.Fulfilment.COLLECT, gettext_lazy("Collect at another store")),
        ],
        widget=forms.RadioSelect,
    )
    pickup_store = forms.ModelChoiceField(
        label=gettext_lazy("Collect at"),
        queryset=Location.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("Choose a store"),
    )
    name = forms.CharField(label=gettext_lazy("Full name"), max_length=200, required=False)
    line1 = forms.CharField(label=gettext_lazy("Address"), max_length=200, required=False)
    postcode = forms.CharField(label=gettext_lazy("Postal code"), max_length=20, required=False)
    city = forms.CharField(label=gettext_lazy("City"), max_length=100, required=False)
    country = forms.CharField(label=gettext_lazy("Country"), max_length=100, required=False)
    #: One of the attached customer's saved addresses, used instead of the fields above.
    address = forms.IntegerField(required=False)
    payment_method = forms.ChoiceField(
        label=gettext_lazy("Payment"),
        choices=[
            (Payment.Method.CARD, gettext_lazy("Card terminal, now")),
            (Payment.Method.PAY_AT_PICKUP, gettext_lazy("Pay at pickup")),
        ],
        widget=forms.RadioSelect,
    )
    terminal_reference = forms.CharField(
        label=gettext_lazy("Terminal reference"), max_length=120, required=False, strip=True
    )

    def __init__(self, *args, skus: list[tuple[str, str]], store: Location, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skus"].choices = skus
        self.fields["pickup_store"].queryset = Location.objects.filter(
            is_active=True, click_and_collect=True
        ).exclude(pk=store.pk)

    def clean(self):
        data = super().clean()
        card = data.get("payment_method") == Payment.Method.CARD
        if card and not data.get("terminal_reference"):
            self.add_error("terminal_reference", gettext("Enter the card terminal's reference."))
        return data

    def details(self, customer=None) -> CheckoutDetails:
        data = self.cleaned_data
        delivery = data["fulfilment"] == Order.Fulfilment.DELIVERY
        card = data["payment_method"] == Payment.Method.CARD
        return CheckoutDetails(
            email=data["email"],
            fulfilment=data["fulfilment"],
            payment_method=data["payment_method"],
            store=None if delivery else data["pickup_store"],
            shipping_address=saved_or_typed_address(data, customer) if delivery else {},
            terminal_reference=data["terminal_reference"] if card else "",
        )


class DrawerOpenForm(forms.Form):
    opening_float = forms.DecimalField(label=gettext_lazy("Float"), **MONEY)


class DrawerCloseForm(forms.Form):
    counted_cash = forms.DecimalField(label=gettext_lazy("Counted cash"), **MONEY)


class ReturnForm(forms.Form):
    """Quantities come as `qty_<order line id>`; the service checks them against what was
    bought and already returned."""

    idempotency_key = forms.CharField(max_length=255, widget=forms.HiddenInput)
    restock = forms.TypedChoiceField(
        label=gettext_lazy("Back on the shelf?"),
        choices=[("yes", gettext_lazy("Yes, resellable")), ("no", gettext_lazy("No, damaged"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    refund_method = forms.ChoiceField(
        label=gettext_lazy("Refund"),
        choices=[
            ("original", gettext_lazy("Original payment method")),
            ("cash", gettext_lazy("Cash from the till")),
        ],
        widget=forms.RadioSelect,
    )
    refund_shipping = forms.BooleanField(
        label=gettext_lazy("Give the delivery charge back with this return"), required=False
    )

    def __init__(self, *args, order: Order, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_lines = list(order.lines.all())
        for line in self.order_lines:
            self.fields[f"qty_{line.pk}"] = forms.IntegerField(
                label=line.sku, min_value=0, required=False
            )

    def requested(self) -> list[tuple[str, int]]:
        """(SKU, quantity) for every line with a quantity above zero."""
        return [
            (line.sku, self.cleaned_data[f"qty_{line.pk}"])
            for line in self.order_lines
            if self.cleaned_data.get(f"qty_{line.pk}")
        ]
