"""The online till's sale in progress, kept in the database rather than the browser session:
one per clerk and store, its scanned items and codes in a cart owned by the till."""

from django.db import IntegrityError, transaction

from carts.models import TillCart
from carts.services import (
    cart_anonymous_new,
    cart_clear,
    cart_line_add,
    cart_line_remove,
    cart_line_update,
    cart_promotion_code_apply,
    cart_promotion_code_remove,
)
from inventory.models import Location
from shop.channels import Channel


def till_cart_for(*, store: Location, user) -> TillCart:
    """The clerk's sale at this store, made on first use (safe when two tabs race for it)."""
    found = TillCart.objects.filter(store=store, user=user).select_related("cart").first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return TillCart.objects.create(store=store, user=user, cart=cart_anonymous_new())
    except IntegrityError:
        return TillCart.objects.select_related("cart").get(store=store, user=user)


@transaction.atomic
def till_cart_set_lines(*, till_cart: TillCart, lines: dict[str, int]) -> None:
    """Makes the till's cart hold exactly these SKUs and quantities, through the cart
    services (each change once)."""
    cart = till_cart.cart
    current = {line.variant.sku: line for line in cart.lines.select_related("variant")}
    for sku, line in current.items():
        if sku not in lines:
            cart_line_remove(cart=cart, line_id=line.pk, channel=Channel.POS)
    for sku, quantity in lines.items():
        line = current.get(sku)
        if line is None:
            cart_line_add(cart=cart, sku=sku, quantity=quantity, channel=Channel.POS)
        elif line.quantity != quantity:
            cart_line_update(cart=cart, line_id=line.pk, quantity=quantity, channel=Channel.POS)


@transaction.atomic
def till_cart_set_codes(*, till_cart: TillCart, codes: list[str]) -> None:
    cart = till_cart.cart
    current = {p.code.upper(): p.code for p in cart.promotions.all()}
    wanted = {code.upper() for code in codes}
    for upper, code in current.items():
        if upper not in wanted:
            cart_promotion_code_remove(cart=cart, code=code)
    for code in codes:
        if code.upper() not in current:
            cart_promotion_code_apply(cart=cart, code=code)


def till_cart_attach(
    *, till_cart: TillCart, customer_id: int | None, loaded_cart_id: int | None
) -> None:
    TillCart.objects.filter(pk=till_cart.pk).update(
        customer_id=customer_id, loaded_cart_id=loaded_cart_id
    )
    till_cart.customer_id, till_cart.loaded_cart_id = customer_id, loaded_cart_id


@transaction.atomic
def till_cart_forget(*, store: Location, user) -> None:
    """A new sale: the till's cart emptied, nobody attached, no shopper's cart loaded."""
    till_cart = TillCart.objects.filter(store=store, user=user).select_related("cart").first()
    if till_cart is None:
        return
    if till_cart.cart.lines.exists() or till_cart.cart.promotions.exists():
        cart_clear(cart=till_cart.cart)
    till_cart_attach(till_cart=till_cart, customer_id=None, loaded_cart_id=None)
