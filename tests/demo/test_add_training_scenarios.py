"""`add_training_scenarios` (make demo): one of each scenario for the demo agent on
first run, nothing the second time; clear errors outside demo mode."""

import pytest

from demo import gateway, training
from demo.models import TrainingRun
from tests.console.conftest import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def logins(settings):
    settings.DEMO_MODE = True
    settings.SMS_BACKEND = gateway.PATH
    return make_staff("demo-agent", "Support agent"), make_staff(
        "demo-supervisor", "Supervisor"
    )


def test_one_of_each_on_first_run_only(run_command, logins):
    agent, supervisor = logins
    code, out, _ = run_command("add_training_scenarios", "--if-none")
    assert code == 0
    runs = TrainingRun.objects.all()
    assert sorted(r.scenario for r in runs) == sorted(training.BY_KEY)
    assert {(r.trainee, r.created_by) for r in runs} == {(agent, supervisor)}
    last = len(training.SCENARIOS)
    assert f"[{last}/{last}] {training.SCENARIOS[-1].key}: filing TRN-" in out
    code, out, _ = run_command("add_training_scenarios", "--if-none")
    assert (code, TrainingRun.objects.count()) == (0, last)
    assert "already here" in out


def test_named_scenarios_for_another_trainee(run_command, logins):
    other = make_staff("trainee-2")
    code, _, _ = run_command(
        "add_training_scenarios", "resend_cap", "--for", "trainee-2"
    )
    assert code == 0
    assert [(r.scenario, r.trainee) for r in TrainingRun.objects.all()] == [
        ("resend_cap", other)
    ]


def test_clear_errors(run_command, logins, settings):
    code, _, err = run_command("add_training_scenarios", "no_such_thing")
    assert code == 1 and "Unknown scenario no_such_thing" in err
    code, _, err = run_command("add_training_scenarios", "--for", "nobody")
    assert code == 1 and "No staff login 'nobody'" in err
    settings.DEMO_MODE = False
    code, _, err = run_command("add_training_scenarios")
    assert code == 1 and "DEMO_MODE=true" in err
    assert not TrainingRun.objects.exists()
