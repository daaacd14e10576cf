from django.dispatch import Signal

#: Sent inside the merge's transaction, before `source` is deleted, with `source` and
#: `target`: every app that keeps something of a customer moves it over (carts add up).
customer_merging = Signal()
