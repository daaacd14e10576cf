from django.dispatch import Signal

#: Sent the first time a reminder's restore link is followed, in that transaction.
#: Arguments: `reminder` (a `CartReminder`; its `clicked_at` is set).
cart_reminder_opened = Signal()
