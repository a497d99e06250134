"""Signing without Django: canonical JSON, tampering, wrong key."""

from onething.domain import signing

DATA = {"number": "BL-20260101-ABCDEFGH", "holder_name": "李晓红",
        "details": {"note": "ok"}, "valid_until": None}


def test_canonical_json_is_sorted_compact_utf8():
    assert signing.canonical_json({"b": 1, "a": "证"}) == '{"a":"证","b":1}'.encode()
    assert signing.canonical_json({"a": 1, "b": 2}) == signing.canonical_json({"b": 2, "a": 1})


def test_sign_and_verify_round_trip():
    private = signing.generate_private_key()
    public = signing.public_key_pem(private)
    signature = signing.sign(DATA, private)
    assert signing.verify(dict(reversed(list(DATA.items()))), signature, public)
    assert len(signing.key_id(public)) == 16


def test_any_change_breaks_the_signature():
    private = signing.generate_private_key()
    public = signing.public_key_pem(private)
    signature = signing.sign(DATA, private)
    for changed in ({**DATA, "holder_name": "李晓绿"}, {**DATA, "extra": ""},
                    {k: v for k, v in DATA.items() if k != "valid_until"},
                    {**DATA, "details": {"note": "ok "}}, {**DATA, "valid_until": "2099-01-01"}):
        assert not signing.verify(changed, signature, public)


def test_wrong_key_and_garbage_do_not_verify():
    private, other = signing.generate_private_key(), signing.generate_private_key()
    signature = signing.sign(DATA, private)
    assert not signing.verify(DATA, signature, signing.public_key_pem(other))
    assert not signing.verify(DATA, "not base64!", signing.public_key_pem(private))
    assert not signing.verify(DATA, signature, "-----BEGIN PUBLIC KEY-----\nxx\n")
