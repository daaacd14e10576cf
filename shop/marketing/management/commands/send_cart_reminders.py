from django.core.management.base import BaseCommand

from shop.marketing.reminders import cart_reminders_send


class Command(BaseCommand):
    help = "Sends the abandoned-cart reminders due now, once (as the beat schedule does)."

    def handle(self, *args, **options):
        self.stdout.write(f"Cart reminders: {cart_reminders_send()}")
