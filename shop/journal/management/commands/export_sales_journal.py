from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shop.journal.archive import archive_build


class Command(BaseCommand):
    help = "Writes a month's sales journal (entries, closings, hashes) as a signed archive."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="The month, YYYY-MM")
        parser.add_argument(
            "--output", help="The file to write (default: sales-journal-YYYY-MM.zip)"
        )

    def handle(self, *args, period, output=None, **options):
        try:
            year, month_number = (int(part) for part in period.split("-"))
            month = date(year, month_number, 1)
        except ValueError:
            raise CommandError("--period must be a month, YYYY-MM.") from None
        path = Path(output or f"sales-journal-{period}.zip")
        path.write_bytes(archive_build(month=month))
        self.stdout.write(
            f"Wrote {path}: verify it with `python verify.py {path} KEY` from inside it."
        )
