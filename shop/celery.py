"""The Celery app: configured from Django settings (CELERY_ namespace), tasks autodiscovered."""

import os

from celery import Celery

from shop import request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

app = Celery("omnistore")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
request_id.connect_celery()
