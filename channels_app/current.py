"""Who is shopping: the signed-in customer's cart, or the anonymous session's."""

from carts.models import Cart
from carts.services import cart_adopt, cart_anonymous_new, cart_for_customer
from shop.customers.models import Customer
from shop.customers.services import customer_for_user

SESSION_CART = "cart_id"


def current_customer(request) -> Customer | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return customer_for_user(user)


def current_cart(request, *, create: bool = False) -> Cart | None:
    """The shopper's open cart. The anonymous cart's id lives in the session data, which
    survives the session key change at sign-in, so the cart can be adopted then."""
    customer = current_customer(request)
    if customer is not None:
        if create:
            return cart_for_customer(customer=customer)
        return Cart.objects.filter(customer=customer, status=Cart.Status.OPEN).first()
    cart_id = request.session.get(SESSION_CART)
    cart = None
    if cart_id:
        cart = Cart.objects.filter(
            pk=cart_id, status=Cart.Status.OPEN, customer__isnull=True
        ).first()
    if cart is None and create:
        cart = cart_anonymous_new()
        request.session[SESSION_CART] = cart.pk
    return cart


def adopt_session_cart(request, user) -> None:
    """On sign-in: the anonymous cart merges into the customer's one cart."""
    cart_id = request.session.pop(SESSION_CART, None) if request is not None else None
    cart = Cart.objects.filter(pk=cart_id, status=Cart.Status.OPEN).first() if cart_id else None
    if cart is not None:
        cart_adopt(cart=cart, customer=customer_for_user(user))
