from django.db.models import Count, Q, QuerySet

from shop.customers.models import Customer


def customer_search(*, query: str, limit: int = 20) -> QuerySet[Customer]:
    """Customers whose email, phone or name matches, with the line count of their open cart."""
    query = query.strip()
    if len(query) < 2:
        return Customer.objects.none()
    digits = "".join(ch for ch in query if ch.isdigit())
    match = Q(email__icontains=query) | Q(name__icontains=query)
    if len(digits) >= 4:
        match |= Q(phone__icontains=digits) | Q(phone__icontains=query)
    return (
        Customer.objects.filter(match)
        .annotate(cart_lines=Count("carts__lines", filter=Q(carts__status="open")))
        .order_by("name", "email")[:limit]
    )
