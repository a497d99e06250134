"""容缺受理 under concurrency: the applicant supplies the owed material at the moment the
daily task lapses the case. Two real PostgreSQL connections; exactly one of them wins."""

import datetime as dt

import pytest

from onething.accounts.models import User
from onething.applications.models import Case, Event
from onething.applications.procedures import run_procedures
from onething.applications.services import submit_application, transition_case
from onething.domain.cases import Action, CaseStatus, IllegalTransition
from tests.applications.test_procedures import PERFORMANCE, PERMIT, performance_submission
from tests.conftest import upload_pdf
from tests.pg_race import needs_postgresql, race


@needs_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_supplying_and_lapsing_at_once_leave_one_outcome(demo, attempt):
    application = submit_application(performance_submission(demo.applicant2),
                                     actor=demo.applicant2, applicant=demo.applicant2)
    case = application.cases.get(matter__code=PERFORMANCE)
    transition_case(case.pk, Action.ACCEPT_PENDING,
                    actor=User.objects.get(username="reviewer-dc-culture-tourism"))
    Case.objects.filter(pk=case.pk).update(pending_due_date=dt.date(2026, 3, 9))
    upload = upload_pdf(demo.applicant2)

    def supply() -> str:
        transition_case(case.pk, Action.SUPPLY_MATERIALS, actor=demo.applicant2,
                        materials={PERMIT: upload.pk})
        return "done"

    supply_outcome, report = race(supply, lambda: run_procedures(today=dt.date(2026, 3, 10)))
    assert not isinstance(report, BaseException), report
    case.refresh_from_db()
    supplied = Event.objects.filter(case=case, action="supply_materials").count()
    lapsed = Event.objects.filter(case=case, action="lapse_pending").count()
    if case.status == CaseStatus.ACCEPTED:
        assert (supplied, lapsed, supply_outcome) == (1, 0, "done")
        assert report.terminated == [] and report.skipped in (0, 1)
    else:
        assert case.status == CaseStatus.CANCELLED
        assert (supplied, lapsed) == (0, 1)
        assert isinstance(supply_outcome, IllegalTransition)
        assert len(report.terminated) == 1
