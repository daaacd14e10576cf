import secrets

from shop.orders.models import Order

# No 0/O or 1/I: numbers are read out over the counter and typed from paper.
NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def order_number_new() -> str:
    """A short, unguessable order number such as `OS-7K2M9Q`."""
    while True:
        number = "OS-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(6))
        if not Order.objects.filter(number=number).exists():
            return number
