"""Prefill: the roles an applicant plays and what their certificates certify."""

from onething.domain.prefill import prefill, roles_of, sex_of

MOTHER_ID = "110101199003071246"  # 17th digit 4: female
FATHER_ID = "110101198805052317"  # 17th digit 1: male
NEWBORN = ["child_name", "mother_name", "mother_id_number", "father_name", "father_id_number"]
RESTAURANT = [
    "company_name",
    "legal_representative",
    "legal_representative_id_number",
    "uscc",
    "floor_area",
]


def test_sex_from_the_resident_id_number():
    assert (sex_of(MOTHER_ID), sex_of(FATHER_ID), sex_of("12345"), sex_of("")) == (
        "female",
        "male",
        None,
        None,
    )


def test_a_mother_applying_for_her_newborn_fills_in_the_mothers_fields():
    roles = roles_of(person=True, id_number=MOTHER_ID, form_fields=NEWBORN)
    assert roles == ("mother",)
    assert prefill(NEWBORN, name="李晓红", id_number=MOTHER_ID, roles=roles) == {
        "mother_name": "李晓红",
        "mother_id_number": MOTHER_ID,
    }


def test_a_father_fills_in_the_fathers_fields():
    roles = roles_of(person=True, id_number=FATHER_ID, form_fields=NEWBORN)
    assert prefill(NEWBORN, name="王大山", id_number=FATHER_ID, roles=roles) == {
        "father_name": "王大山",
        "father_id_number": FATHER_ID,
    }


def test_a_person_opening_a_business_is_its_legal_representative():
    roles = roles_of(person=True, id_number=MOTHER_ID, form_fields=RESTAURANT)
    assert roles == ("legal_representative",)
    assert prefill(RESTAURANT, name="李晓红", id_number=MOTHER_ID, roles=roles) == {
        "legal_representative": "李晓红",
        "legal_representative_id_number": MOTHER_ID,
    }


def test_a_company_plays_no_person_role():
    assert roles_of(person=False, id_number="", form_fields=[*RESTAURANT, *NEWBORN]) == ()


def test_held_certificates_fill_what_they_certify_but_not_their_bookkeeping():
    licence = {
        "company_name": "德城甜心烘焙店",
        "uscc": "91371402MA00000001",
        "legal_representative": "张三",
        "number": "BL-1",
        "note": "同意",
        "valid_until": "2030-01-01",
        "floor_area": "",
    }
    assert prefill(
        [*RESTAURANT, "number"],
        name="李晓红",
        id_number=MOTHER_ID,
        roles=("legal_representative",),
        certificates=[licence],
    ) == {
        "company_name": "德城甜心烘焙店",
        "legal_representative": "李晓红",
        "legal_representative_id_number": MOTHER_ID,
        "uscc": "91371402MA00000001",
    }
