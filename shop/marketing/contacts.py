"""The marketing consent asked at checkout."""

from shop.customers.models import Customer
from shop.customers.services import customer_get_or_create, customer_marketing_consent_set


def checkout_consent_record(*, email: str, consent: bool, customer: Customer | None) -> None:
    """Records the answer of a checkout's consent box. A signed-in customer's box shows their
    current answer, so a change either way is theirs. A shopper not signed in can only agree,
    for the guest customer of the email they typed (an unticked box is no answer), and never
    for an account's email: they have not proved it is theirs. No query when nothing changes."""
    if customer is not None:
        if customer.marketing_consent != consent:
            customer_marketing_consent_set(customer=customer, consent=consent)
        return
    if not consent:
        return
    guest = customer_get_or_create(email=email)
    if guest.user_id is None and not guest.marketing_consent:
        customer_marketing_consent_set(customer=guest, consent=True)
