"""秒批 rules and CSV register parsing: pure, no database."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onething.domain import instant
from onething.domain.catalog import read_catalog
from onething.domain.registers import REGISTERS, decode, parse_register
from onething.domain.validators import id_check_character


def ident(first17: str) -> str:
    return first17 + id_check_character(first17)


PERSON = ident("37140219900101123")
OTHER = ident("37140219851212002")


class FakeFacts:
    def __init__(self, loaded=("criminal-records", "contributions"), records=None,
                 contributions=None):
        self.loaded = set(loaded)
        self.records = records or {}
        self.contribs = contributions or {}

    def register_loaded(self, register):
        return register in self.loaded

    def criminal_records(self, id_number):
        return self.records.get(id_number, [])

    def contributions(self, id_number):
        return self.contribs.get(id_number, [])


def subject(id_number=PERSON, assurance=2, **form):
    return instant.Subject(name="张小明", id_number=id_number, form=form, assurance=assurance)


def test_clean_register_approves_with_the_finding_and_purpose():
    decision = instant.decide(["identity-verified", "no-criminal-record"],
                              subject(certificate_purpose="入职"), FakeFacts())
    assert decision.approved
    assert decision.result["purpose"] == "入职"
    assert "未发现" in decision.result["finding"]
    assert PERSON not in decision.result.values()  # the ID number is not certified twice


def test_a_record_refers_to_a_person_and_never_refuses():
    facts = FakeFacts(records={PERSON: [instant.CriminalRecordFact(dt.date(2010, 5, 1), "盗窃罪")]})
    decision = instant.decide(["identity-verified", "no-criminal-record"], subject(), facts)
    assert not decision.approved
    assert decision.reasons == ["犯罪记录库中有与申请人身份证号码相符的记录，转人工审核"]
    # Someone else's record does not matter.
    assert instant.decide(["no-criminal-record"], subject(OTHER), facts).approved


def test_an_unloaded_register_never_approves():
    decision = instant.decide(["no-criminal-record"], subject(), FakeFacts(loaded=()))
    assert not decision.approved and "尚未导入" in decision.reasons[0]


def test_every_check_runs_so_the_reviewer_sees_all_reasons():
    decision = instant.decide(["identity-verified", "no-criminal-record"],
                              subject("123"), FakeFacts(loaded=()))
    assert [o.passed for o in decision.outcomes] == [False, False]
    assert len(decision.reasons) == 2


def test_a_self_declared_identity_never_reaches_a_personal_record():
    """L1: the rule does not read the register for a number someone merely typed."""
    class Watching(FakeFacts):
        read = False

        def contributions(self, id_number):
            Watching.read = True
            return super().contributions(id_number)

    rows = [instant.ContributionFact("pension", "2024-01", 50000)]
    decision = instant.decide(["identity-verified", "social-insurance-contributions"],
                              subject(assurance=1), Watching(contributions={PERSON: rows}))
    assert not decision.approved
    assert [o.check for o in decision.outcomes] == ["assurance"]
    assert decision.reasons == ["申请人实名认证等级为 L1（未认证），本事项自动审批需要 L2（已认证）"
                                "及以上，转人工审核"]
    assert Watching.read is False
    assert decision.result == {}


@pytest.mark.parametrize(("level", "required", "approved"), [
    (1, 2, False), (2, 2, True), (3, 2, True), (2, 3, False), (3, 3, True),
    (2, 1, True),  # a rule can never ask for less than L2 …
    (1, 1, False),  # … so L1 never passes, whatever the rule says
])
def test_the_rule_decides_on_the_level(level, required, approved):
    decision = instant.decide(["identity-verified", "no-criminal-record"],
                              subject(assurance=level), FakeFacts(), assurance=required)
    assert decision.approved is approved


def test_identity_verified_does_not_trust_a_check_digit():
    outcome = instant.CHECKS["identity-verified"].run(subject(assurance=1), FakeFacts())
    assert not outcome.passed
    assert instant.CHECKS["identity-verified"].run(subject(assurance=2), FakeFacts()).passed


def test_contributions_are_summarised_per_insurance():
    rows = [instant.ContributionFact("pension", f"2024-{m:02d}", 50000) for m in range(1, 13)]
    rows += [instant.ContributionFact("medical", "2024-03", 20000),
             instant.ContributionFact("medical", "2024-04", 20000)]
    decision = instant.decide(["social-insurance-contributions"], subject(),
                              FakeFacts(contributions={PERSON: rows}))
    assert decision.approved
    assert decision.result["contributions"] == (
        "养老保险：2024-01 至 2024-12，缴费 12 个月；医疗保险：2024-03 至 2024-04，缴费 2 个月")
    assert not instant.decide(["social-insurance-contributions"], subject(OTHER),
                              FakeFacts(contributions={PERSON: rows})).approved


def test_unknown_checks_and_empty_rules_are_errors():
    with pytest.raises(instant.UnknownCheck):
        instant.decide(["no-such-check"], subject(), FakeFacts())
    with pytest.raises(ValueError):
        instant.decide([], subject(), FakeFacts())


def test_catalogue_names_only_registered_checks(tmp_path, shipped):
    rules = {code: m.auto_decision for code, m in shipped.catalog.matters.items()
             if m.auto_decision}
    assert {"no-criminal-record-certificate", "social-insurance-record"} <= set(rules)
    bad = tmp_path / "catalog"
    import shutil

    shutil.copytree(shipped_dir(), bad)
    path = bad / "matters" / "personal-police.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "checks: [identity-verified, no-criminal-record]", "checks: [magic-approval]")
    path.write_text(text, encoding="utf-8")
    problems = [str(p) for p in read_catalog(bad).problems]
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "code: no-criminal-record-cert"
                in row)
    assert any("unknown automatic check 'magic-approval'" in p and f":{line}:" in p
               for p in problems), problems


def test_catalogue_rules_state_their_level(tmp_path, shipped):
    rules = {code: m.auto_decision for code, m in shipped.catalog.matters.items()
             if m.auto_decision}
    assert rules["no-criminal-record-certificate"].assurance == 2
    assert rules["social-insurance-record"].assurance == 2
    import shutil

    bad = tmp_path / "catalog"
    shutil.copytree(shipped_dir(), bad)
    path = bad / "matters" / "personal-police.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("assurance: L2", "assurance: L1", 1), encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "assurance: L2" in row)
    problems = [str(p) for p in read_catalog(bad).problems]
    assert any(f":{line}:" in p and "'assurance' must be L2 or L3" in p for p in problems), \
        problems
    path.write_text(text.replace("assurance: L2", "assurance: L3", 1), encoding="utf-8")
    result = read_catalog(bad)
    assert not result.problems
    assert result.catalog.matters["no-criminal-record-certificate"].auto_decision.assurance == 3


def shipped_dir():
    from tests.conftest import CATALOG_DIR

    return CATALOG_DIR


CRIMINAL = REGISTERS["criminal-records"]


def test_register_csv_loads_chinese_headers_and_gbk():
    text = ("身份证号码,姓名,罪名,判决日期,判决法院,判决书文号\n"
            f"{OTHER},李某,盗窃罪,2015-03-02,德城区人民法院,（2015）德刑初字第1号\n")
    result = parse_register(CRIMINAL, decode(text.encode("gb18030")))
    assert result.ok and result.rows[0]["judgment_date"] == dt.date(2015, 3, 2)
    assert parse_register(CRIMINAL, decode(("\ufeff" + text).encode())).ok


def test_every_bad_row_is_reported_with_its_line():
    text = ("id_number,name,offence,judgment_date\n"
            f"{OTHER},李某,盗窃罪,2015-03-02\n"
            "110101199003070000,王某,诈骗罪,2016-01-01\n"  # bad check digit: line 3
            "\n"
            f"{PERSON},,抢劫罪,2030-01-01\n"  # empty name, future date: line 5
            f"{OTHER},李某,盗窃罪,2015-03-02\n"  # duplicate of line 2: line 6
            f"{PERSON},赵某,抢劫罪,2001-13-01\n")  # bad month: line 7
    result = parse_register(CRIMINAL, text)
    assert not result.ok
    lines = sorted({p.line for p in result.problems})
    assert lines == [3, 5, 6, 7]
    assert any("重复" in p.message and "line 2" in p.message for p in result.problems)
    assert "第 5 行" in str(next(p for p in result.problems if p.line == 5))


def test_header_problems_stop_before_rows():
    result = parse_register(CRIMINAL, "id_number,name,colour\n1,2,3\n")
    assert [p.line for p in result.problems] == [1, 1, 1]  # unknown colour, 2 missing
    assert not parse_register(CRIMINAL, "").ok


def test_amounts_are_integer_fen():
    dues = REGISTERS["contribution-dues"]
    header = "id_number,name,item,year,amount_fen\n"
    good = parse_register(dues, f"{header}{PERSON},张,城乡居民基本医疗保险,2027,40000\n")
    assert good.ok and good.rows[0]["amount_fen"] == 40000 and good.rows[0]["item"] == \
        "resident-medical"
    for amount in ("400.00", "-1", "0", "4e4"):
        bad = parse_register(dues, f"id_number,name,item,year,amount_fen\n{PERSON},张,"
                                   f"resident-medical,2027,{amount}\n")
        assert not bad.ok, amount


@given(st.lists(st.sampled_from(["ok", "bad"]), min_size=1, max_size=30))
def test_rows_load_only_when_every_row_is_good(kinds):
    rows = [f"{OTHER},李,罪{i},2015-01-01" if k == "ok" else f"bad{i},李,罪,2015-01-01"
            for i, k in enumerate(kinds)]
    result = parse_register(CRIMINAL, "id_number,name,offence,judgment_date\n" + "\n".join(rows))
    bad_lines = [i + 2 for i, k in enumerate(kinds) if k == "bad"]
    assert sorted(p.line for p in result.problems) == bad_lines
    assert result.ok == (not bad_lines)


@pytest.mark.parametrize("written", ["2015-03-02", "2015-3-2", "2015/3/2", "2015.3.2",
                                     "2015年3月2日", "20150302"])
def test_dates_as_spreadsheets_write_them(written):
    result = parse_register(CRIMINAL, f"id_number,name,offence,judgment_date\n"
                                      f"{OTHER},李,盗窃罪,{written}\n")
    assert result.ok and result.rows[0]["judgment_date"] == dt.date(2015, 3, 2)


@pytest.mark.parametrize("written", ["2015-13-02", "2015-2-30", "15-3-2", "二〇一五年", "2015-03"])
def test_impossible_dates_are_refused(written):
    assert not parse_register(CRIMINAL, f"id_number,name,offence,judgment_date\n"
                                        f"{OTHER},李,盗窃罪,{written}\n").ok
