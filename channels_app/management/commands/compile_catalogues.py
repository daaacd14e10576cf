"""Compiles the translation catalogues (locale/*/LC_MESSAGES/*.po → .mo) with babel, in pure
Python: unlike Django's compilemessages it needs no GNU gettext on the machine."""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand


def compile_catalogue(po_path: Path) -> Path:
    """Writes the .mo beside `po_path`; fuzzy entries are left out, as msgfmt does."""
    with po_path.open("rb") as po_file:
        catalogue = read_po(po_file)
    mo_path = po_path.with_suffix(".mo")
    with mo_path.open("wb") as mo_file:
        write_mo(mo_file, catalogue, use_fuzzy=False)
    return mo_path


class Command(BaseCommand):
    help = "Compiles every .po catalogue under LOCALE_PATHS into its .mo (babel, no gettext)."

    def handle(self, *args, **options):
        for folder in settings.LOCALE_PATHS:
            for po_path in sorted(Path(folder).glob("*/LC_MESSAGES/*.po")):
                mo_path = compile_catalogue(po_path)
                self.stdout.write(f"Compiled {mo_path.relative_to(settings.BASE_DIR)}")
