"""The one cart per customer: every channel reads and changes it here."""

import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    Prefetch,
    Q,
    StringAgg,
    Sum,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext

from carts.errors import CartLineNotFound, InvalidPromotionCode, ItemNotSold
from carts.models import Cart, CartLine, Promotion, PromotionUsage
from carts.pricing import PricedCart, PricedLine, bound_to_other, price, scopes_for
from inventory.errors import InvalidQuantity
from shop.catalog.images import main_image_of
from shop.catalog.models import Variant
from shop.catalog.selectors import variants_by_sku
from shop.customers.models import Customer, CustomerEvent
from shop.customers.services import customer_event_record
from shop.orders.selectors import customer_has_orders

if TYPE_CHECKING:
    from shop.orders.models import Order

# Read aloud and typed by a clerk: no 0/O or 1/I.
HANDOFF_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
HANDOFF_LENGTH = 6


def handoff_code_new() -> str:
    """Random, so codes of open carts cannot be guessed from one another."""
    return "".join(secrets.choice(HANDOFF_ALPHABET) for _ in range(HANDOFF_LENGTH))


def _create_cart(customer: Customer | None) -> Cart:
    for _ in range(10):
        try:
            with transaction.atomic():
                return Cart.objects.create(customer=customer, handoff_code=handoff_code_new())
        except IntegrityError:
            if customer is not None:
                existing = Cart.objects.filter(customer=customer, status=Cart.Status.OPEN).first()
                if existing:  # a concurrent request of the same customer created it
                    return existing
    raise RuntimeError("Could not find a free handoff code")


def cart_for_customer(*, customer: Customer) -> Cart:
    """The customer's open cart, created on first use."""
    cart = Cart.objects.filter(customer=customer, status=Cart.Status.OPEN).first()
    return cart or _create_cart(customer)


def cart_anonymous_new() -> Cart:
    return _create_cart(None)


def _check_quantity(quantity: object) -> int:
    limit = settings.MAX_CART_LINE_QUANTITY
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= limit:
        raise InvalidQuantity(
            gettext("Quantity must be a whole number from 1 to %(limit)s.") % {"limit": limit}
        )
    return quantity


def lines_merge(lines: Iterable[tuple[Variant, int]]) -> list[tuple[Variant, int]]:
    """Each variant once (the quantities of a repeated one add up, in the order first seen),
    each within the per-line maximum of a cart line (`settings.MAX_CART_LINE_QUANTITY`)."""
    merged: dict[int, tuple[Variant, int]] = {}
    for variant, quantity in lines:
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise InvalidQuantity(
                gettext("The quantity of %(sku)s must be a whole number from 1.")
                % {"sku": variant.sku}
            )
        seen = merged.get(variant.pk, (variant, 0))[1]
        merged[variant.pk] = (variant, seen + quantity)
    limit = settings.MAX_CART_LINE_QUANTITY
    over = [(v.sku, q) for v, q in merged.values() if q > limit]
    if over:
        raise InvalidQuantity(
            f"At most {limit} of one item per sale: "
            + ", ".join(f"{sku} has {quantity}" for sku, quantity in over)
            + ".",
            details=[{"sku": sku, "quantity": quantity, "max": limit} for sku, quantity in over],
        )
    return list(merged.values())


def variants_ensure_sold(variants: Iterable[Variant]) -> None:
    """Refuses a checkout or a sale that holds an item withdrawn from sale (the variant or its
    product inactive), naming each. Expects variants read with their product."""
    withdrawn = {v.sku: v for v in variants if not (v.is_active and v.product.is_active)}
    if withdrawn:
        raise ItemNotSold(
            gettext("No longer sold: %(join)s. Remove it to go on.")
            % {"join": ", ".join(sorted(withdrawn))},
            details=[{"sku": sku, "name": v.display_name} for sku, v in sorted(withdrawn.items())],
        )


def _record(cart: Cart, kind: str, channel: str, payload: dict) -> None:
    if cart.customer_id:
        customer_event_record(customer=cart.customer, kind=kind, channel=channel, payload=payload)


def _units_key(cart_id: int) -> str:
    return f"cart:{cart_id}:units"


def cart_changed(*, cart_id: int) -> None:
    """Forgets what the cache holds about the cart: now, and again after commit (a request
    that read the cart meanwhile saw it as it was)."""
    key = _units_key(cart_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def _touch(cart: Cart) -> None:
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    cart_changed(cart_id=cart.pk)


@transaction.atomic
def cart_line_add(*, cart: Cart, sku: str, quantity: int, channel: str) -> CartLine:
    """Adds an SKU; adding one already in the cart adds to its quantity. Returns the line
    with its new quantity and its variant (with product)."""
    _check_quantity(quantity)
    limit = settings.MAX_CART_LINE_QUANTITY
    line = (
        CartLine.objects.select_related("variant__product")
        .filter(
            cart=cart, variant__sku=sku, variant__is_active=True, variant__product__is_active=True
        )
        .first()
    )
    if line is None:
        variant = variants_by_sku(skus=[sku])[sku]
        try:
            with transaction.atomic():
                line = CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)
        except IntegrityError:  # added by a concurrent request: add to that line
            return cart_line_add(cart=cart, sku=sku, quantity=quantity, channel=channel)
    else:
        seen = line.quantity
        if seen + quantity > limit:
            raise InvalidQuantity(
                gettext("At most %(limit)s of one item per order.") % {"limit": limit}
            )
        # Only from the quantity read above, so the one returned is the one written.
        if not CartLine.objects.filter(pk=line.pk, quantity=seen).update(quantity=seen + quantity):
            # Changed or removed by a concurrent request: read it again.
            return cart_line_add(cart=cart, sku=sku, quantity=quantity, channel=channel)
        line.quantity = seen + quantity
    _touch(cart)
    _record(
        cart,
        CustomerEvent.Kind.CART_LINE_ADDED,
        channel,
        {"sku": sku, "name": line.variant.display_name, "quantity": quantity},
    )
    return line


def _line(cart: Cart, line_id: int) -> CartLine:
    try:
        return CartLine.objects.select_related("variant__product").get(pk=line_id, cart=cart)
    except CartLine.DoesNotExist:
        raise CartLineNotFound(
            gettext("No line %(line_id)s in this cart.") % {"line_id": line_id}
        ) from None


@transaction.atomic
def cart_line_update(*, cart: Cart, line_id: int, quantity: int, channel: str) -> CartLine:
    """Sets a line's quantity; a line of an item no longer sold can only be removed."""
    _check_quantity(quantity)
    line = _line(cart, line_id)
    variants_ensure_sold([line.variant])
    previous, line.quantity = line.quantity, quantity
    line.save(update_fields=["quantity"])
    _touch(cart)
    if previous != quantity:
        _record(
            cart,
            CustomerEvent.Kind.CART_LINE_UPDATED,
            channel,
            {
                "sku": line.variant.sku,
                "name": line.variant.display_name,
                "quantity": quantity,
                "previous": previous,
            },
        )
    return line


@transaction.atomic
def cart_line_remove(*, cart: Cart, line_id: int, channel: str) -> None:
    line = _line(cart, line_id)
    line.delete()
    _touch(cart)
    _record(
        cart,
        CustomerEvent.Kind.CART_LINE_REMOVED,
        channel,
        {"sku": line.variant.sku, "name": line.variant.display_name, "quantity": line.quantity},
    )


def promotion_by_code(code: str, *, customer: Customer | None = None) -> Promotion:
    """The running code with uses left. A code bound to an email is refused to a known
    customer with another email, and a first-order one to a customer who has ordered."""
    code = code.strip()
    promotion = Promotion.objects.running().filter(code__iexact=code).exclude(code="").first()
    if promotion is None or (
        promotion.usage_limit is not None and promotion.times_used >= promotion.usage_limit
    ):
        raise InvalidPromotionCode(
            gettext("The code %(code)s is unknown or no longer valid.") % {"code": f"{code!r}"}
        )
    if promotion.email and customer is not None:
        if bound_to_other(promotion, customer.email):
            raise InvalidPromotionCode(
                gettext("The code %(code)s belongs to another customer.") % {"code": f"{code!r}"}
            )
        if promotion.first_order_only and customer_has_orders(customer):
            raise InvalidPromotionCode(
                gettext("The code %(code)s is for a first order only.") % {"code": f"{code!r}"}
            )
    return promotion


@transaction.atomic
def promotion_uses_give_back(*, order: "Order") -> None:
    """An order that will not be paid or handed over (failed payment, cancelled, expired)
    gives its promotion uses back: each usage row is removed and its promotion counted down
    once, even if this runs twice."""
    for usage in PromotionUsage.objects.filter(order=order).order_by("pk"):
        deleted, _ = PromotionUsage.objects.filter(pk=usage.pk).delete()
        if deleted:
            # Only promotions with a usage limit count their uses (see `promotions_use`).
            Promotion.objects.filter(
                pk=usage.promotion_id, usage_limit__isnull=False, times_used__gt=0
            ).update(times_used=F("times_used") - 1)


def cart_promotion_code_apply(*, cart: Cart, code: str) -> Promotion:
    """Adds a code to the cart. Whether it lowers the price is for pricing to say (a minimum
    subtotal may be reached later)."""
    promotion = promotion_by_code(code, customer=cart.customer)
    cart.promotions.add(promotion)
    _touch(cart)
    return promotion


def cart_promotion_code_remove(*, cart: Cart, code: str) -> None:
    cart.promotions.remove(*cart.promotions.filter(code__iexact=code.strip()))
    _touch(cart)


@transaction.atomic
def cart_merge(*, source: Cart, target: Cart) -> Cart:
    """Moves the lines and codes of `source` into `target` (same SKU: quantities add up, capped
    at the per-line maximum), then closes `source`."""
    if source.pk == target.pk:
        return target
    limit = settings.MAX_CART_LINE_QUANTITY
    existing = {line.variant_id: line for line in target.lines.all()}
    for line in source.lines.all():
        if line.variant_id in existing:
            kept = existing[line.variant_id]
            kept.quantity = min(kept.quantity + line.quantity, limit)
            kept.save(update_fields=["quantity"])
            line.delete()
        else:
            line.cart = target
            line.save(update_fields=["cart"])
    target.promotions.add(*source.promotions.all())
    source.status = Cart.Status.MERGED
    source.save(update_fields=["status"])
    cart_changed(cart_id=source.pk)
    _touch(target)
    return target


@transaction.atomic
def cart_restore_from(*, source: Cart, target: Cart) -> int:
    """Puts what `source` holds into `target` (a saved cart opened on another device): each
    item still sold at least at its quantity in `source`, so restoring twice changes nothing,
    and its codes. `source` is left as it is. Returns the lines added or raised."""
    if source.pk == target.pk:
        return 0
    limit = settings.MAX_CART_LINE_QUANTITY
    existing = {line.variant_id: line for line in target.lines.all()}
    changed = 0
    for line in source.lines.filter(variant__is_active=True, variant__product__is_active=True):
        kept = existing.get(line.variant_id)
        if kept is None:
            CartLine.objects.create(cart=target, variant_id=line.variant_id, quantity=line.quantity)
            changed += 1
        elif kept.quantity < line.quantity:
            kept.quantity = min(line.quantity, limit)
            kept.save(update_fields=["quantity"])
            changed += 1
    target.promotions.add(*source.promotions.all())
    _touch(target)
    return changed


def cart_merge_customers(*, source: Customer, target: Customer) -> None:
    """When two customers turn out to be one person: their open carts become one."""
    source_cart = Cart.objects.filter(customer=source, status=Cart.Status.OPEN).first()
    Cart.objects.filter(customer=source).exclude(status=Cart.Status.OPEN).update(customer=target)
    if source_cart is None:
        return
    target_cart = Cart.objects.filter(customer=target, status=Cart.Status.OPEN).first()
    if target_cart is None:
        source_cart.customer = target
        source_cart.save(update_fields=["customer"])
    else:
        cart_merge(source=source_cart, target=target_cart)
        source_cart.customer = target
        source_cart.save(update_fields=["customer"])


def cart_adopt(*, cart: Cart, customer: Customer) -> Cart:
    """A signed-in shopper's anonymous cart joins their customer's cart (or becomes it)."""
    if cart.customer_id == customer.pk:
        return cart
    own = Cart.objects.filter(customer=customer, status=Cart.Status.OPEN).first()
    if own is None:
        cart.customer = customer
        try:
            with transaction.atomic():
                cart.save(update_fields=["customer"])
            cart_changed(cart_id=cart.pk)  # no longer an anonymous cart
            return cart
        except IntegrityError:
            own = Cart.objects.get(customer=customer, status=Cart.Status.OPEN)
    return cart_merge(source=cart, target=own)


def cart_checkout_under_way(cart: Cart) -> bool:
    """Whether an online checkout of this cart is waiting for its payment right now."""
    from shop.orders.models import Order

    stale = timezone.now() - settings.PAYMENT_WINDOW
    return Cart.objects.filter(
        pk=cart.pk,
        pending_order__status=Order.Status.PENDING_PAYMENT,
        pending_order__created_at__gte=stale,
    ).exists()


@transaction.atomic(savepoint=False)  # raises nothing of its own: no savepoint needed
def cart_clear(*, cart: Cart) -> None:
    """Empties the cart after an order took its lines, with a fresh handoff code for the next
    visit (kept as it is in the unlikely case the new one is taken by another open cart)."""
    cart.lines.all().delete()
    cart.promotions.clear()
    code = handoff_code_new()
    taken = Exists(Cart.objects.filter(handoff_code=code, status=Cart.Status.OPEN))
    Cart.objects.filter(pk=cart.pk).update(
        handoff_code=Case(When(~taken, then=Value(code)), default=F("handoff_code")),
        pending_order=None,
        updated_at=timezone.now(),
    )
    cart_changed(cart_id=cart.pk)


# --- reads ---------------------------------------------------------------------------------


def _lines():
    # Each line carries its cart's `updated_at` as read with the lines, so a checkout knows
    # which version of the cart it priced even when the cart object in hand is older.
    # `main_image`: the name of the product's first picture, for the cart's thumbnails.
    return (
        CartLine.objects.select_related("variant__product")
        .annotate(
            cart_updated_at=F("cart__updated_at"), main_image=main_image_of("variant__product")
        )
        .order_by("added_at", "id")
    )


def _cart_contents() -> tuple:
    return Prefetch("lines", queryset=_lines()), "promotions"


def cart_with_lines(cart_id: int) -> Cart:
    """A cart with lines, variants and promotions, in a fixed number of queries."""
    return (
        Cart.objects.select_related("customer").prefetch_related(*_cart_contents()).get(pk=cart_id)
    )


def cart_load_lines(cart: Cart) -> Cart:
    """The cart in hand with its lines, variants and promotions read now (two queries; the
    cart row itself is not read again). Returns a new object: the caller's is left as it is."""
    fresh = Cart(**{f.attname: getattr(cart, f.attname) for f in Cart._meta.concrete_fields})
    prefetch_related_objects([fresh], *_cart_contents())
    return fresh


def cart_anonymous_contents(*, cart_id: int) -> tuple[Cart, list[CartLine], list[Promotion]] | None:
    """(cart, its lines, its promotion codes) of the open anonymous cart `cart_id`, the lines
    read as `cart_load_lines` reads them and the cart row in the same query: two queries, no
    prefetching. None, after one query, when it is not an open anonymous cart or has no lines
    (a cart without lines has nothing to price or show)."""
    lines = list(
        _lines()
        .select_related("cart")
        .filter(cart_id=cart_id, cart__status=Cart.Status.OPEN, cart__customer__isnull=True)
    )
    if not lines:
        return None
    cart = lines[0].cart
    for line in lines:
        line.cart = cart  # one object, as with a prefetch
    return cart, lines, list(cart.promotions.all())


#: Cart units of an anonymous cart are cached this long at most (see `cart_changed`).
CART_UNITS_SECONDS = 300


def cart_units_anonymous(*, cart_id: int) -> int:
    """Units in the open anonymous cart `cart_id` (0 when it is not one). Cached: one query
    only after the cart changed."""
    key = _units_key(cart_id)
    units = cache.get(key)
    if units is None:
        units = (
            CartLine.objects.filter(
                cart_id=cart_id, cart__status=Cart.Status.OPEN, cart__customer__isnull=True
            ).aggregate(units=Sum("quantity"))["units"]
            or 0
        )
        cache.set(key, units, CART_UNITS_SECONDS)
    return units


AUTOMATIC_RUNNING_KEY = "promotions:automatic-running"
#: Longest time the answer to "does an automatic promotion run?" is kept; a "no" is kept at most
#: until the next one starts.
AUTOMATIC_RUNNING_SECONDS = 30


def promotions_changed() -> None:
    """Forgets the cached answer, now and after commit (see `cart_changed`)."""
    cache.delete(AUTOMATIC_RUNNING_KEY)
    transaction.on_commit(lambda: cache.delete(AUTOMATIC_RUNNING_KEY))


def automatic_promotions_running() -> bool:
    """Whether an active automatic promotion (no code) runs now, whatever its uses left.
    Cached; a promotion saved or deleted clears it."""
    running = cache.get(AUTOMATIC_RUNNING_KEY)
    if running is None:
        now = timezone.now()
        starts = list(
            Promotion.objects.filter(is_active=True, code="")
            .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
            .values_list("starts_at", flat=True)
        )
        running = any(start is None or start <= now for start in starts)
        seconds = AUTOMATIC_RUNNING_SECONDS
        if not running and starts:  # "no" holds only until the next one starts
            seconds = min(seconds, int((min(starts) - now).total_seconds()))
        cache.set(AUTOMATIC_RUNNING_KEY, running, seconds)  # 0 s: not kept
    return running


def promotions_in_force(*, code_ids: Iterable[int] = ()) -> list[Promotion]:
    """The automatic promotions plus the given code promotions that run now and have uses
    left, with the ids of what each covers, in one query (none when there are no codes and no
    automatic promotion runs)."""
    code_ids = list(code_ids)
    if not code_ids and not automatic_promotions_running():
        return []
    ids = Cast("categories__id", CharField()), Cast("variants__id", CharField())
    return list(
        Promotion.objects.running()
        .filter(Q(code="") | Q(pk__in=code_ids))
        .filter(Q(usage_limit__isnull=True) | Q(times_used__lt=F("usage_limit")))
        .annotate(
            category_ids=StringAgg(ids[0], Value(","), distinct=True),
            variant_ids=StringAgg(ids[1], Value(","), distinct=True),
        )
        .order_by("pk")
    )


def price_lines(
    lines: list[tuple[Variant, int]],
    *,
    promotions: list[Promotion],
    customer: Customer | None,
    line_ids: list[int | None] | None = None,
    email: str | None = None,
) -> PricedCart:
    """Prices any lines (a cart's, a till sale's) with the automatic promotions and codes.
    `email`: who buys, when known beyond `customer` (the email given at checkout)."""
    ids = line_ids or [None] * len(lines)
    email = email or (customer.email if customer is not None else None)
    priced = [
        PricedLine(variant=variant, quantity=quantity, unit_price=variant.price, line_id=line_id)
        for (variant, quantity), line_id in zip(lines, ids, strict=True)
    ]
    scopes = scopes_for(promotions_in_force(code_ids=[p.pk for p in promotions]))
    # Only a first-order-only promotion needs to know about earlier orders.
    needs_history = any(scope.promotion.first_order_only for scope in scopes)
    if needs_history and customer is None and email:
        customer = Customer.objects.with_email(email).first()  # a guest's earlier orders count
    first_order = not (needs_history and customer_has_orders(customer))
    return price(priced, scopes, first_order=first_order, email=email)


def cart_price(
    cart: Cart, *, customer: Customer | None = None, email: str | None = None
) -> PricedCart:
    """Prices a cart loaded with `cart_with_lines` (`email`: as for `price_lines`)."""
    lines = list(cart.lines.all())
    return price_lines(
        [(line.variant, line.quantity) for line in lines],
        promotions=list(cart.promotions.all()),
        customer=customer or cart.customer,
        line_ids=[line.pk for line in lines],
        email=email,
    )
