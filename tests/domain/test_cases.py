import pytest

from onething.domain.cases import (
    TRANSITIONS,
    Action,
    ApplicationStatus,
    CaseStatus,
    IllegalTransition,
    ReasonRequired,
    Role,
    derive_application_status,
    legal_actions,
    next_status,
)

S, A, R = CaseStatus, Action, Role


@pytest.mark.parametrize(("start", "action", "role", "end"), [
    (S.WAITING, A.RELEASE, R.SYSTEM, S.SUBMITTED),
    (S.SUBMITTED, A.ACCEPT, R.REVIEWER, S.ACCEPTED),
    (S.ACCEPTED, A.START_REVIEW, R.REVIEWER, S.IN_REVIEW),
    (S.IN_REVIEW, A.APPROVE, R.REVIEWER, S.APPROVED),
    (S.ACCEPTED, A.APPROVE, R.REVIEWER, S.APPROVED),
    (S.APPROVED, A.CONCLUDE, R.REVIEWER, S.CONCLUDED),
    (S.SUBMITTED, A.WITHDRAW, R.APPLICANT, S.WITHDRAWN),
])
def test_legal_transitions(start, action, role, end):
    assert next_status(start, action, role=role) is end


@pytest.mark.parametrize(("start", "action"), [
    (S.SUBMITTED, A.REFUSE), (S.ACCEPTED, A.DENY), (S.IN_REVIEW, A.DENY),
    (S.SUBMITTED, A.REQUEST_CORRECTION), (S.IN_REVIEW, A.REQUEST_CORRECTION),
])
def test_refusal_denial_and_correction_need_a_reason(start, action):
    with pytest.raises(ReasonRequired):
        next_status(start, action, role=R.REVIEWER, reason="  ")
    assert next_status(start, action, role=R.REVIEWER, reason="材料不全")


def test_resubmission_goes_back_to_whoever_asked():
    assert next_status(S.CORRECTION_REQUESTED, A.RESUBMIT, role=R.APPLICANT,
                       accepted=False) is S.SUBMITTED
    assert next_status(S.CORRECTION_REQUESTED, A.RESUBMIT, role=R.APPLICANT,
                       accepted=True) is S.IN_REVIEW


def test_every_pair_outside_the_table_is_illegal():
    for status in CaseStatus:
        for action in Action:
            rule = TRANSITIONS.get((status, action))
            for role in Role:
                if rule is not None and rule.role is role:
                    continue
                with pytest.raises(IllegalTransition):
                    next_status(status, action, role=role, reason="x")


def test_illegal_transition_message_is_chinese_then_english():
    with pytest.raises(IllegalTransition) as info:
        next_status(S.REFUSED, A.APPROVE, role=R.REVIEWER)
    assert "不予受理" in str(info.value) and "cannot approve" in str(info.value)


def test_the_applicant_cannot_approve_and_the_reviewer_cannot_withdraw():
    with pytest.raises(IllegalTransition, match="承办部门"):
        next_status(S.ACCEPTED, A.APPROVE, role=R.APPLICANT)
    with pytest.raises(IllegalTransition):
        next_status(S.ACCEPTED, A.WITHDRAW, role=R.REVIEWER)


def test_legal_actions_are_buttons_per_role():
    assert legal_actions(S.SUBMITTED, R.REVIEWER) == [A.ACCEPT, A.REFUSE, A.REQUEST_CORRECTION,
                                                      A.ACCEPT_PENDING]
    assert legal_actions(S.SUBMITTED, R.APPLICANT) == [A.WITHDRAW]
    assert legal_actions(S.CONCLUDED, R.REVIEWER) == []


def test_application_status_derives_from_cases():
    assert derive_application_status([S.SUBMITTED, S.WAITING]) is ApplicationStatus.IN_PROGRESS
    assert derive_application_status([S.CORRECTION_REQUESTED, S.ACCEPTED]) is \
        ApplicationStatus.CORRECTION_NEEDED
    assert derive_application_status([S.APPROVED, S.CONCLUDED, S.REFUSED]) is \
        ApplicationStatus.COMPLETED
    assert derive_application_status([S.WITHDRAWN, S.WITHDRAWN]) is ApplicationStatus.WITHDRAWN
    assert derive_application_status([S.WITHDRAWN, S.APPROVED]) is ApplicationStatus.COMPLETED
