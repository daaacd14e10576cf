from carts.models import Cart


def cart_by_handoff_code(code: str) -> Cart | None:
    """The open cart a clerk loads at the till by the code the shopper shows (any case, spaces
    around it ignored); None if there is none."""
    return Cart.objects.filter(handoff_code=code.strip().upper(), status=Cart.Status.OPEN).first()
