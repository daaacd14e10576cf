from django.db.models import Count, F, Q, QuerySet, Value
from django.db.models.functions import Replace

from shop.customers.models import Customer


def _digits(field: str):
    expression = F(field)
    for separator in (" ", "-", ".", "(", ")", "/"):
        expression = Replace(expression, Value(separator), Value(""))
    return expression


def customer_search(*, query: str, limit: int = 20) -> QuerySet[Customer]:
    """Customers whose email, phone or name matches, with the line count of their open cart."""
    query = query.strip()
    if len(query) < 2:
        return Customer.objects.none()
    digits = "".join(ch for ch in query if ch.isdigit())
    match = Q(email__icontains=query) | Q(name__icontains=query)
    if len(digits) >= 4:
        # Phones are stored as typed ("+33 6 12-34"): compare digits with digits.
        match |= Q(phone_digits__contains=digits)
    return (
        Customer.objects.annotate(phone_digits=_digits("phone"))
        .filter(match)
        .annotate(cart_lines=Count("carts__lines", filter=Q(carts__status="open")))
        .order_by("name", "email")[:limit]
    )
