from datetime import date

from django.core.management.base import BaseCommand, CommandError

from shop.marketing.attribution import orders_attribute_missing
from shop.marketing.rollups import refresh_start, reports_refresh


class Command(BaseCommand):
    help = "Rebuilds the report rollups once, as the beat schedule does every 15 minutes."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="Days to rebuild (REPORTS_REFRESH_DAYS).")
        parser.add_argument("--since", help="Rebuild every day from this date (YYYY-MM-DD).")
        parser.add_argument(
            "--attribute-missing",
            action="store_true",
            help="First attribute the orders that have no attribution (older orders, bulk loads).",
        )

    def handle(self, *args, days=None, since=None, attribute_missing=False, **options):
        try:
            start = date.fromisoformat(since) if since else refresh_start(days)
        except ValueError:
            raise CommandError("--since must be a date such as 2026-01-31.") from None
        if attribute_missing:
            self.stdout.write(f"Orders attributed: {orders_attribute_missing()}.")
        rows = reports_refresh(since=start)
        self.stdout.write(f"Report rollups rebuilt from {start}: {rows} rows.")
