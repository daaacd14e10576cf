"""Who may be reminded of a cart: the email typed at checkout and the consent given there."""

from carts.models import Cart
from shop.customers.models import Customer
from shop.customers.services import customer_for_guest_order, customer_marketing_consent_set
from shop.marketing.models import CartEmail


def checkout_contact_record(
    *, cart: Cart, email: str, consent: bool, customer: Customer | None
) -> None:
    """Remembers the email of a checkout for its cart (the cart of a shopper who leaves
    before paying can be reminded) and records the marketing consent asked there: for the
    signed-in customer, or the guest customer of that email. An anonymous shopper never
    changes the consent of an account's email: they have not proved it is theirs."""
    CartEmail.objects.update_or_create(cart=cart, defaults={"email": email})
    target = customer if customer is not None else customer_for_guest_order(email=email)
    if target is not None and target.marketing_consent != consent:
        customer_marketing_consent_set(customer=target, consent=consent)
