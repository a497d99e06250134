"""秒批 end to end in the services: registers, submission, certificate."""

import pytest

from onething.applications.models import CaseStatus
from onething.applications.services import Submission, SubmissionError, submit_application
from onething.certificates.models import Certificate
from onething.registers.demo import demo_csvs
from onething.registers.models import CriminalRecord, RegisterLoad
from onething.registers.services import RegisterDenied, load_register, may_load
from tests.conftest import upload_pdf

pytestmark = pytest.mark.django_db


def load_demo_criminal(extra_rows=""):
    text = demo_csvs()["criminal-records"] + extra_rows
    result = load_register("criminal-records", text.encode(), actor=None)
    assert result.ok, result.problems
    return result


def kiosk_submission(**form):
    return Submission(bundle="no-criminal-record", answers={},
                      form_data={"certificate_purpose": "就业", **form}, materials={},
                      idempotency_key="")


def test_clean_applicant_gets_the_certificate_within_the_request(demo):
    load_demo_criminal()
    application = submit_application(kiosk_submission(), actor=demo.applicant,
                                     applicant=demo.applicant, channel="kiosk")
    case = application.cases.get()
    assert case.status == CaseStatus.APPROVED
    assert application.status == "completed"  # 已办结 at once
    certificate = Certificate.objects.get(case=case)
    assert certificate.certificate_type.key == "no-criminal-record-certificate"
    assert certificate.data["details"]["purpose"] == "就业"
    assert "未发现" in certificate.data["details"]["finding"]
    actions = list(case.events.values_list("action", flat=True))
    assert actions == ["submit", "auto_approve"]
    assert case.events.get(action="auto_approve").actor is None
    # The waived materials are recorded on the application's submit event.
    submit = application.events.get(case=None, action="submit")
    assert submit.data["waived_materials"] == ["no-criminal-record-form", "id-card"]


def test_a_record_in_the_register_goes_to_the_police_queue(demo):
    applicant = demo.applicant
    row = f"{applicant.id_number},张小明,盗窃罪,2011-02-03,德城区人民法院,（2011）德刑初字第9号\n"
    load_demo_criminal(row)
    application = submit_application(kiosk_submission(), actor=applicant, applicant=applicant,
                                     channel="kiosk")
    case = application.cases.get()
    assert case.status == CaseStatus.SUBMITTED
    assert case.department.code == "dc-police"
    refer = case.events.get(action="auto_refer")
    assert "转人工审核" in refer.reason
    assert not Certificate.objects.filter(case=case).exists()


def test_without_a_loaded_register_nothing_is_approved(demo):
    application = submit_application(kiosk_submission(), actor=demo.applicant,
                                     applicant=demo.applicant, channel="kiosk")
    assert application.cases.get().status == CaseStatus.SUBMITTED


def test_below_l3_applicants_still_upload_the_form_and_id_card(demo):
    """Materials are waived only for an identity seen in person (L3); at L2 the
    form and the ID copy are uploaded, and the rule still decides at once."""
    load_demo_criminal()
    demo.applicant.assurance_level = 2
    demo.applicant.save(update_fields=["assurance_level"])
    unverified = Submission(bundle="no-criminal-record", answers={},
                            form_data={"certificate_purpose": "就业"}, materials={})
    with pytest.raises(SubmissionError) as error:
        submit_application(unverified, actor=demo.applicant, applicant=demo.applicant)
    assert set(error.value.errors) == {"materials.no-criminal-record-form", "materials.id-card"}
    uploads = {k: upload_pdf(demo.applicant).pk for k in ("no-criminal-record-form", "id-card")}
    application = submit_application(
        Submission(bundle="no-criminal-record", answers={},
                   form_data={"certificate_purpose": "就业"}, materials=uploads),
        actor=demo.applicant, applicant=demo.applicant)
    assert application.cases.get().status == CaseStatus.APPROVED  # 秒批 online as well


def test_social_insurance_record_certifies_the_months(demo):
    load_register("contributions", demo_csvs()["contributions"].encode(), actor=None)
    application = submit_application(
        Submission(bundle="social-insurance-record", answers={}, form_data={}, materials={}),
        actor=demo.applicant, applicant=demo.applicant, channel="kiosk")
    case = application.cases.get()
    assert case.status == CaseStatus.APPROVED
    details = Certificate.objects.get(case=case).data["details"]
    assert "养老保险" in details["contributions"] and details["months"] == "36"


def test_a_bad_file_changes_nothing_and_reports_lines(demo):
    load_demo_criminal()
    before = list(CriminalRecord.objects.values_list("id_number", flat=True))
    bad = demo_csvs()["criminal-records"] + "123,某,盗窃罪,2015-01-01,,\n,某,盗窃罪,,,\n"
    result = load_register("criminal-records", bad.encode(), actor=None)
    assert not result.ok
    assert sorted({p.line for p in result.problems}) == [5, 6]
    assert list(CriminalRecord.objects.values_list("id_number", flat=True)) == before
    assert RegisterLoad.objects.filter(register="criminal-records").count() == 1


def test_a_new_load_replaces_the_register(demo):
    load_demo_criminal()
    only = "id_number,name,offence,judgment_date\n" + demo_csvs()["criminal-records"].splitlines(
    )[1].split(",", 4)[0] + ",甲某,盗窃罪,2012-06-18\n"
    assert load_register("criminal-records", only.encode(), actor=None).ok
    assert CriminalRecord.objects.count() == 1


def test_only_the_owning_department_loads(demo, django_user_model):
    police = django_user_model.objects.get(username="reviewer-dc-police")
    assert may_load(police, "criminal-records")
    assert not may_load(police, "contributions")
    assert not may_load(demo.samr, "criminal-records")
    assert not may_load(demo.applicant, "criminal-records")
    with pytest.raises(RegisterDenied):
        load_register("criminal-records", b"", actor=demo.samr)


def test_a_dependent_matter_with_a_rule_is_decided_when_released(demo):
    """A rule on a matter that waits for another: decided the moment its
    prerequisite is approved (here a test rule on the restaurant's food licence)."""
    from onething.applications.services import transition_case
    from onething.catalog.models import Matter
    from onething.catalog.services import mark_catalog_changed
    from onething.domain.cases import Action
    from tests.conftest import restaurant_submission

    Matter.objects.filter(code="food-business-licence").update(
        auto_decision={"checks": ["identity-verified"], "verified_waives": [], "note": "test"})
    mark_catalog_changed()
    application = submit_application(restaurant_submission(demo.applicant),
                                     actor=demo.applicant, applicant=demo.applicant)
    licence = application.cases.get(matter__code="food-business-licence")
    assert licence.status == CaseStatus.WAITING  # a rule never skips a real dependency
    registration = application.cases.get(matter__code="business-registration")
    transition_case(registration.pk, Action.ACCEPT, actor=demo.samr)
    transition_case(registration.pk, Action.APPROVE, actor=demo.samr)
    licence.refresh_from_db()
    assert licence.status == CaseStatus.APPROVED
    assert list(licence.events.values_list("action", flat=True)) == [
        "submit", "release", "auto_approve"]
    assert licence.received["business-registration"]["decision"] == "approved"


def test_a_retry_finishes_an_instant_decision_the_first_attempt_lost(demo):
    """The first attempt committed the application and then lost its answer before
    秒批 ran (a restart between the two): the retry with the same key decides it once."""
    from onething.applications.models import Application, Case
    from onething.applications.services import _create, submission_fingerprint
    from onething.catalog.selectors import plan_bundle
    from onething.domain.cases import Action

    load_demo_criminal()
    submission = Submission(bundle="no-criminal-record", answers={},
                            form_data={"certificate_purpose": "就业"}, materials={},
                            idempotency_key="lost-answer")
    plan = plan_bundle("no-criminal-record", {}, provisional=True, verified=True)
    # What the first attempt left behind: the application, its case still submitted.
    from onething.accounts.services import profile_data
    from onething.applications.services import check_form

    form, errors = check_form(plan, {"certificate_purpose": "就业", **profile_data(demo.applicant)})
    assert errors == {}
    first = _create(plan, submission, form, {}, "lost-answer", actor=demo.applicant,
                    applicant=demo.applicant, channel="api", verified=True,
                    fingerprint=submission_fingerprint(submission))
    assert first.cases.get().status == CaseStatus.SUBMITTED
    again = submit_application(submission, actor=demo.applicant, applicant=demo.applicant,
                               channel="api")
    assert again.pk == first.pk and Application.objects.count() == 1
    assert again.status == "completed"
    case = Case.objects.get(application=first)
    assert case.status == CaseStatus.APPROVED
    assert Certificate.objects.filter(case=case).count() == 1
    # A third attempt changes nothing more.
    submit_application(submission, actor=demo.applicant, applicant=demo.applicant, channel="api")
    assert list(case.events.values_list("action", flat=True)) == [
        Action.SUBMIT, Action.AUTO_APPROVE]
    assert Certificate.objects.filter(case=case).count() == 1
