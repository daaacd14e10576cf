import os
import subprocess
import sys


def test_models_and_migrations_agree(tmp_path):
    # A subprocess: the suite itself runs with migrations disabled (--no-migrations). Its own
    # SQLite file: model checks may connect, and DATABASE_URL's database need not exist.
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'check.sqlite3'}"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_the_dev_secret_key(tmp_path):
    env = {"DJANGO_ENV": "production", "ALLOWED_HOSTS": "shop.example.com", "PATH": "/usr/bin"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "check",
            "--settings=shop.settings",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_settings_pass_the_deploy_check():
    env = {
        "DJANGO_ENV": "production",
        "ALLOWED_HOSTS": "shop.example.com",
        "SECRET_KEY": "k" * 20 + "-production-secret-0123456789-abcdefghijklmnop",
        "EMAIL_HOST": "smtp.example.com",
        # A provider's gateway class (the check does not import it).
        "PAYMENT_GATEWAY": "acme_payments.gateway.AcmeGateway",
        "PATH": "/usr/bin",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_production_refuses_the_test_card_gateway():
    env = {
        "DJANGO_ENV": "production",
        "ALLOWED_HOSTS": "shop.example.com",
        "SECRET_KEY": "k" * 20 + "-production-secret-0123456789-abcdefghijklmnop",
        "PATH": "/usr/bin",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "PAYMENT_GATEWAY" in result.stderr


def test_email_file_path_writes_every_email_to_that_folder(tmp_path):
    folder = tmp_path / "mail"
    env = {"EMAIL_FILE_PATH": str(folder), "PATH": "/usr/bin"}
    send = (
        "import django; django.setup(); "
        "from django.core.mail import send_mail; "
        "send_mail('Hello', 'Body text', None, ['ann@example.com'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", send],
        env={**env, "DJANGO_SETTINGS_MODULE": "shop.settings"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    [written] = list(folder.iterdir())
    assert "Subject: Hello" in written.read_text()
