import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_after():
    """A request in French leaves French active in this thread: the next test starts in English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)
