from django.dispatch import Signal

#: Sent by the generic email handler after an email went out, inside the transaction that
#: marks it delivered, with `to`, `subject`, `customer_id` (None: nobody's) and `about` (what
#: the email is about, e.g. {"ticket": "T-7K2M9Q"}): the customer's timeline records it.
email_sent = Signal()
