"""容缺受理 under concurrency: the applicant supplies the owed material at the moment the
daily task lapses the case. Two real PostgreSQL connections; exactly one of them wins."""

import datetime as dt
import threading

import pytest
from django.db import connection

from onething.accounts.models import User
from onething.applications.models import Case, Event
from onething.applications.procedures import run_procedures
from onething.applications.services import submit_application, transition_case
from onething.domain.cases import Action, CaseStatus, IllegalTransition
from tests.applications.test_procedures import PERFORMANCE, PERMIT, performance_submission
from tests.conftest import upload_pdf


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_supplying_and_lapsing_at_once_leave_one_outcome(demo, attempt):
    if connection.vendor != "postgresql":
        pytest.skip("two writers at once need a database server (make test-postgres)")
    application = submit_application(performance_submission(demo.applicant2),
                                     actor=demo.applicant2, applicant=demo.applicant2)
    case = application.cases.get(matter__code=PERFORMANCE)
    transition_case(case.pk, Action.ACCEPT_PENDING,
                    actor=User.objects.get(username="reviewer-dc-culture-tourism"))
    Case.objects.filter(pk=case.pk).update(pending_due_date=dt.date(2026, 3, 9))
    upload = upload_pdf(demo.applicant2)
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def supply():
        start.wait()
        try:
            transition_case(case.pk, Action.SUPPLY_MATERIALS, actor=demo.applicant2,
                            materials={PERMIT: upload.pk})
            outcomes["supply"] = "done"
        except IllegalTransition as exc:
            outcomes["supply"] = exc
        finally:
            connection.close()

    def lapse():
        start.wait()
        try:
            outcomes["lapse"] = run_procedures(today=dt.date(2026, 3, 10))
        finally:
            connection.close()

    threads = [threading.Thread(target=supply), threading.Thread(target=lapse)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    case.refresh_from_db()
    supplied = Event.objects.filter(case=case, action="supply_materials").count()
    lapsed = Event.objects.filter(case=case, action="lapse_pending").count()
    report = outcomes["lapse"]
    if case.status == CaseStatus.ACCEPTED:
        assert (supplied, lapsed, outcomes["supply"]) == (1, 0, "done")
        assert report.terminated == [] and report.skipped in (0, 1)
    else:
        assert case.status == CaseStatus.CANCELLED
        assert (supplied, lapsed) == (0, 1)
        assert isinstance(outcomes["supply"], IllegalTransition)
        assert len(report.terminated) == 1
