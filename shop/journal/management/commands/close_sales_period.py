from django.core.management.base import BaseCommand

from shop.journal.closings import sales_periods_close


class Command(BaseCommand):
    help = "Closes every complete day, month and fiscal year of each sales journal chain, once."

    def handle(self, *args, **options):
        made = sales_periods_close()
        for closing in made:
            self.stdout.write(f"Closed {closing}: {closing.content['totals']['total']}")
        self.stdout.write(f"{len(made)} closing(s) made.")
