"""The demo's commands refuse to run outside demo mode, creating nothing: seed_demo
would make staff logins with the README's password, a superuser among them."""

import pytest
from django.contrib.auth.models import User

from demo.models import TrainingRun
from filings.models import FilingApplication

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_without_demo_mode(run_command, settings):
    settings.DEMO_MODE = False
    code, out, err = run_command("seed_demo", filings=20, seed=5)
    assert code == 1
    assert "DEMO_MODE=true" in err and len(err.strip().splitlines()) == 1
    assert not User.objects.exists()
    assert not FilingApplication.objects.exists()


def test_seed_demo_runs_in_demo_mode(run_command, settings):
    settings.DEMO_MODE = True
    code, _, err = run_command("seed_demo", filings=20, seed=5)
    assert code == 0, err
    assert User.objects.filter(username="demo-admin", is_superuser=True).exists()
    assert FilingApplication.objects.count() == 20


def test_add_training_scenarios_refuses_without_demo_mode(run_command, settings):
    settings.DEMO_MODE = False
    code, _, err = run_command("add_training_scenarios", "--for", "x", "--by", "y")
    assert code == 1
    assert "DEMO_MODE=true" in err and len(err.strip().splitlines()) == 1
    assert not TrainingRun.objects.exists()
    assert not FilingApplication.objects.exists()
    assert not User.objects.exists()
