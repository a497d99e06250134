"""多页材料 in the services: a correction replaces all of a material's pages at once,
within its limit, with the applicant's own files only."""

import pytest

from onething.applications.models import ProvidedMaterial
from onething.applications.services import SubmissionError, submit_application, transition_case
from onething.domain.cases import Action
from tests.conftest import restaurant_submission, upload_pdf

pytestmark = pytest.mark.django_db


def pages(owner, n, tag="p"):
    return [
        upload_pdf(owner, content=b"%PDF-1.4 " + f"{tag}{i}".encode(), name=f"{tag}{i}.pdf").pk
        for i in range(1, n + 1)
    ]


def current(application, key):
    return list(
        ProvidedMaterial.objects.filter(application=application, material_key=key, current=True)
        .order_by("page")
        .values_list("page", "upload_id")
    )


def test_a_correction_replaces_every_page_of_the_material(demo):
    submission = restaurant_submission(demo.applicant)
    first = pages(demo.applicant, 3, "old")
    submission = type(submission)(
        **{**submission.__dict__, "materials": {**submission.materials, "premises-proof": first}}
    )
    application = submit_application(submission, actor=demo.applicant, applicant=demo.applicant)
    assert current(application, "premises-proof") == [(1, first[0]), (2, first[1]), (3, first[2])]
    registration = application.cases.get(matter__code="business-registration")
    transition_case(
        registration.pk,
        Action.REQUEST_CORRECTION,
        actor=demo.samr,
        reason="材料不全",
        items=[{"material": "premises-proof", "note": "缺页"}],
    )

    with pytest.raises(SubmissionError) as refused:
        transition_case(
            registration.pk,
            Action.RESUBMIT,
            actor=demo.applicant,
            materials={"premises-proof": pages(demo.applicant, 11, "many")},
        )
    assert refused.value.errors == {
        "materials.premises-proof": (
            "“经营场所使用证明”最多 10 个文件（页） (at most 10 files for this material)"
        )
    }
    theirs = pages(demo.applicant2, 1, "theirs")
    with pytest.raises(SubmissionError) as refused:
        transition_case(
            registration.pk,
            Action.RESUBMIT,
            actor=demo.applicant,
            materials={"premises-proof": [first[0], *theirs]},
        )
    assert refused.value.errors == {
        "materials.premises-proof": "文件不存在或不属于您 (unknown file)"
    }

    new = pages(demo.applicant, 2, "new")
    transition_case(
        registration.pk, Action.RESUBMIT, actor=demo.applicant, materials={"premises-proof": new}
    )
    assert current(application, "premises-proof") == [(1, new[0]), (2, new[1])]
    assert (
        ProvidedMaterial.objects.filter(
            application=application, material_key="premises-proof", current=False
        ).count()
        == 3
    )
