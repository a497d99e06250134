"""The case core under concurrency: what is locked, and what racing actions end in.

The PostgreSQL cases use real concurrent connections (one per thread) and run in
``make test-postgres``; SQLite serialises every writer, so there is nothing to race.
"""

from __future__ import annotations

import itertools
import logging
import threading

import pytest
from django.db import OperationalError, connection, transaction

from onething.applications.instant import decide_automatically
from onething.applications.models import Application, Case, Event
from onething.applications.services import (
    submit_application,
    transition_case,
    withdraw_application,
)
from onething.catalog.models import Matter
from onething.catalog.services import mark_catalog_changed
from onething.domain.cases import Action, CaseStatus, IllegalTransition, derive_application_status
from tests.conftest import restaurant_submission
from tests.pg_race import needs_postgresql, race


def _restaurant(applicant):
    return submit_application(restaurant_submission(applicant), actor=applicant,
                              applicant=applicant)


def _registration(application) -> Case:
    return application.cases.get(matter__code="business-registration")


@pytest.mark.django_db
def test_an_automatic_decision_on_a_case_changed_meanwhile_leaves_the_human_action_standing(
        demo, caplog):
    """秒批 runs after the release has committed, on a case read before its lock: when
    the case changed meanwhile the rule steps aside, logs why, and raises nothing."""
    Matter.objects.filter(code="food-business-licence").update(
        auto_decision={"checks": ["identity-verified"], "verified_waives": [], "note": "test"})
    mark_catalog_changed()
    application = _restaurant(demo.applicant)
    registration = _registration(application)
    transition_case(registration.pk, Action.ACCEPT, actor=demo.samr)
    transition_case(registration.pk, Action.APPROVE, actor=demo.samr)
    licence = application.cases.get(matter__code="food-business-licence")
    assert licence.status == CaseStatus.APPROVED  # decided once, at release
    stale = Case.objects.select_related("matter", "application__applicant").get(pk=licence.pk)
    stale.status = CaseStatus.SUBMITTED  # as read just before the first decision landed
    with caplog.at_level(logging.WARNING, logger="onething.instant"):
        assert decide_automatically(stale) is stale
    assert "the case changed meanwhile" in caplog.text
    licence.refresh_from_db()
    assert licence.status == CaseStatus.APPROVED
    assert list(licence.events.values_list("action", flat=True)) == [
        "submit", "release", "auto_approve"]


@pytest.mark.django_db
def test_cancelled_dependents_are_named_in_one_notice(demo):
    application = _restaurant(demo.applicant)
    registration = _registration(application)
    transition_case(registration.pk, Action.REFUSE, actor=demo.samr, reason="名称已被占用")
    notices = list(demo.applicant.notifications.filter(application=application)
                   .order_by("id").values_list("message", flat=True))
    assert notices[-1] == (
        f"您的申请 {application.tracking_number}：“经营主体设立登记（营业执照）”不予受理。"
        "理由：名称已被占用。因此以下事项终止办理：“食品经营许可（新办）”、"
        "“公众聚集场所投入使用、营业前消防安全检查（告知承诺）”、“户外招牌设施设置”")
    cancels = Event.objects.filter(application=application, action="cancel")
    assert {e.reason for e in cancels} == {"前置事项“经营主体设立登记（营业执照）”不予受理"}
    application.refresh_from_db()
    assert application.status == derive_application_status(
        application.cases.values_list("status", flat=True))


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_transitions_of_one_matter_in_two_applications_do_not_wait_for_each_other(demo):
    """A reviewer holding a case of one application (an open transaction) does not hold
    up the same matter's case of another application; the same application's other
    cases do wait (their status is derived under the application's lock)."""
    first, second = _restaurant(demo.applicant), _restaurant(demo.applicant2)
    held, done = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def hold() -> None:
        try:
            with transaction.atomic():
                transition_case(_registration(first).pk, Action.ACCEPT, actor=demo.samr)
                held.set()
                done.wait(30)
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
            held.set()
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")
        # The same matter (企业登记), another application: no wait.
        case = transition_case(_registration(second).pk, Action.ACCEPT, actor=demo.samr)
        assert case.status == CaseStatus.ACCEPTED
        # Another case of the held application: waits for the holder's lock.
        health = first.cases.get(matter__code="food-worker-health-certificate")
        with pytest.raises(OperationalError, match="lock timeout"):
            transition_case(health.pk, Action.ACCEPT, actor=demo.health)
    finally:
        done.set()
        holder.join(30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
    assert failures == []
    assert Case.objects.get(pk=_registration(first).pk).status == CaseStatus.ACCEPTED


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_withdrawal_racing_a_decision_ends_consistent(demo):
    """Withdraw and approve at the same moment, several times: one of them lands first;
    the other either keeps the decided case (and says so) or is refused. The
    application's status always agrees with its cases and every case's history is one
    unbroken chain of transitions."""
    outcomes = []
    for _ in range(6):
        application = _restaurant(demo.applicant)
        registration = _registration(application)
        transition_case(registration.pk, Action.ACCEPT, actor=demo.samr)
        withdrawal, approval = race(
            lambda application=application: withdraw_application(
                application.pk, actor=demo.applicant, reason="不开了"),
            lambda registration=registration: transition_case(
                registration.pk, Action.APPROVE, actor=demo.samr))
        assert not isinstance(withdrawal, BaseException), withdrawal
        registration.refresh_from_db()
        if isinstance(approval, IllegalTransition):  # the withdrawal came first
            assert registration.status == CaseStatus.WITHDRAWN
            assert withdrawal.kept == []
            outcomes.append("withdrawn first")
        else:  # the approval came first: the withdrawal kept the decided case, said so
            assert not isinstance(approval, BaseException), approval
            assert registration.status == CaseStatus.APPROVED
            # The approval released the fire check, which its signed commitment decides
            # after commit (告知承诺): kept too when that landed before the withdrawal.
            fire = application.cases.get(matter__code="fire-safety-check-commitment")
            assert [c.pk for c in withdrawal.kept] in ([registration.pk],
                                                       [registration.pk, fire.pk])
            if fire.pk in [c.pk for c in withdrawal.kept]:
                assert fire.status == CaseStatus.APPROVED_ON_COMMITMENT
            assert "“经营主体设立登记（营业执照）”" in withdrawal.message
            outcomes.append("approved first")
        application = Application.objects.get(pk=application.pk)
        statuses = list(application.cases.values_list("status", flat=True))
        assert application.status == derive_application_status(statuses)
        assert CaseStatus.SUBMITTED not in statuses and CaseStatus.ACCEPTED not in statuses
        for case in application.cases.all():
            chain = list(case.events.order_by("id").values_list("from_status", "to_status"))
            for (_, before), (after, _) in itertools.pairwise(chain):
                assert before == after, chain  # no transition from a state it was not in
            assert chain[-1][1] == case.status
    print(f"outcomes: {outcomes}")
