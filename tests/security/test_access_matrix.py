"""The access matrix: every URL pattern × every role → the status it must answer.

The patterns come from the URL configuration itself, so a new URL without an entry
in ``MATRIX`` fails ``test_every_url_pattern_has_an_entry``. Each entry names the
method, how to fill the URL's arguments from a small world (two applicants, an
application with cases in two departments, certificates, uploads), and the expected
status per role. Roles not listed take the entry's ``default``.

Status conventions: 302 anonymous → sign-in page; 403 a signed-in person whose role
may not use the page; 404 an object that exists but is not the viewer's (no probing);
401 the API without (valid) credentials.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "applicant", "other_applicant", "clerk", "reviewer", "other_reviewer",
         "manager", "admin", "token_read", "token_submit", "token_staff")


@dataclass(frozen=True)
class Entry:
    method: str
    args: str  # which world object fills the URL (see the ``world`` fixture)
    statuses: str  # one status per role, in ROLES order

    def expected(self) -> dict[str, int]:
        codes = [int(code) for code in self.statuses.split()]
        assert len(codes) == len(ROLES), self
        return dict(zip(ROLES, codes, strict=True))


def E(statuses: str, method: str = "get", args: str = "") -> Entry:
    return Entry(method, args, statuses)


# Reading the columns: anonymous, applicant (owner), other applicant, clerk, reviewer of
# the department (市场监管, which holds the case and issued the licence), reviewer of
# another department (税务), manager, admin, then API tokens with one scope each: the
# owner's read and submit tokens, the 市场监管 reviewer's staff token.
# POST entries send an empty form (the API: an empty JSON object): the answer shows
# whether the view let the caller in (400 "fix the form" / 302 done / 409 not now) or
# not (302 sign-in, 401, 403, 404). The roles run in column order on one world, so a
# write that succeeds (the owner's token withdraws the application) shows in the
# columns after it (409: nothing left to withdraw).
#                                                    ano app oth cle rev oth man adm tkr tks tkf
MATRIX: dict[str, Entry] = {
    # -- public pages -------------------------------------------------------------------------
    "portal:home": E(                                "200 200 200 200 200 200 200 200 200 200 200"),
    "portal:bundle": E(                              "200 200 200 200 200 200 200 200 200 200 200",
                       args="bundle"),
    "portal:matter": E(                              "200 200 200 200 200 200 200 200 200 200 200",
                       args="matter"),
    "portal:scenarios": E(                           "200 200 200 200 200 200 200 200 200 200 200"),
    "portal:scenario": E(                            "200 200 200 200 200 200 200 200 200 200 200",
                         args="scenario"),
    "portal:scenario_poster": E(                     "200 200 200 200 200 200 200 200 200 200 200",
                                args="scenario"),
    "portal:search": E(                              "200 200 200 200 200 200 200 200 200 200 200"),
    "portal:halls": E(                               "200 200 200 200 200 200 200 200 200 200 200"),
    # The receipt's QR: progress by 受理编号 + ID number (statuses only, rate-limited).
    "portal:progress": E(                            "200 200 200 200 200 200 200 200 200 200 200"),
    "portal:login": E(                               "200 200 200 200 200 200 200 200 200 200 200"),
    "portal:register": E(                            "200 200 200 200 200 200 200 200 200 200 200"),
    "accessibility:guide": E(                        "200 200 200 200 200 200 200 200 200 200 200",
                             args="guide"),
    "certificates:verify": E(                        "200 200 200 200 200 200 200 200 200 200 200",
                             args="certificate"),
    "certificates:verify-form": E(                   "200 200 200 200 200 200 200 200 200 200 200"),
    "healthz": E(                                    "200 200 200 200 200 200 200 200 200 200 200"),
    "readyz": E(                                     "200 200 200 200 200 200 200 200 200 200 200"),
    # Off unless ONETHING_METRICS_TOKEN / _ALLOWED_ADDRESSES is set (tests/core/test_metrics.py).
    "metrics": E(                                    "404 404 404 404 404 404 404 404 404 404 404"),
    "set_language": E(                               "302 302 302 302 302 302 302 302 302 302 302",
                      method="post"),
    "set-language": E(                               "302 302 302 302 302 302 302 302 302 302 302",
                      method="post"),
    "set-elder-mode": E(                             "302 302 302 302 302 302 302 302 302 302 302",
                        method="post"),
    # -- the kiosk: its own short sessions (a portal or staff session is not one) -------------
    "kiosk:start": E(                                "200 200 200 200 200 200 200 200 200 200 200"),
    "kiosk:identify": E(                             "200 200 200 200 200 200 200 200 200 200 200"),
    "kiosk:code": E(                                 "302 302 302 302 302 302 302 302 302 302 302"),
    "kiosk:finish": E(                               "302 302 302 302 302 302 302 302 302 302 302",
                      method="post"),
    "kiosk:menu": E(                                 "302 302 302 302 302 302 302 302 302 302 302"),
    "kiosk:instant": E(                              "302 302 302 302 302 302 302 302 302 302 302",
                       args="kiosk_task"),
    "kiosk:pay": E(                                  "302 302 302 302 302 302 302 302 302 302 302"),
    "kiosk:real-estate": E(                          "302 302 302 302 302 302 302 302 302 302 302"),
    # -- the applicant's own (staff who handle it may look; other applicants get 404) ---------
    "portal:apply": E(                               "302 200 200 403 403 403 403 403 302 302 302",
                      args="bundle"),
    "portal:logout": E(                              "302 302 302 302 302 302 302 302 302 302 302",
                       method="post"),
    "portal:identity": E(                            "302 200 200 302 302 302 302 302 302 302 302"),
    "portal:applications": E(                        "302 200 200 302 302 302 302 302 302 302 302"),
    # A draft is its owner's alone: staff included get 404 (the owner deleted it first).
    "portal:draft-delete": E(                        "302 302 404 404 404 404 404 404 302 302 302",
                             method="post", args="draft"),
    "portal:notifications": E(                       "302 200 200 200 200 200 200 200 302 302 302"),
    "portal:application": E(                         "302 200 404 200 200 404 200 200 302 302 302",
                            args="application"),
    "portal:resubmit": E(                            "302 400 404 400 400 404 400 400 302 302 302",
                         method="post", args="resubmit"),
    "portal:supply": E(                              "302 400 404 400 400 404 400 400 302 302 302",
                       method="post", args="resubmit"),
    "portal:change-delivery": E(                     "302 400 404 400 400 404 400 400 302 302 302",
                                method="post", args="application"),
    "portal:withdraw": E(                            "302 400 404 400 400 404 400 400 302 302 302",
                         method="post", args="application"),
    "applications:material": E(                      "302 200 404 200 200 404 200 200 302 302 302",
                               args="material"),
    "certificates:pdf": E(                           "302 200 404 200 404 404 200 200 302 302 302",
                          args="certificate"),
    "certificates:share": E(                         "302 200 404 404 404 404 404 404 302 302 302",
                            args="certificate"),
    "accessibility:receipt": E(                      "302 200 404 200 200 404 200 200 302 302 302",
                               args="receipt"),
    "accessibility:case-notice": E(                  "302 200 404 200 200 404 200 200 302 302 302",
                                   args="notice"),
    # -- the workbench -----------------------------------------------------------------------
    "workbench:login": E(                            "200 200 200 200 200 200 200 200 200 200 200"),
    "workbench:otp": E(                              "302 302 302 200 200 200 200 200 302 302 302"),
    "workbench:logout": E(                           "302 302 302 302 302 302 302 302 302 302 302",
                          method="post"),
    "workbench:home": E(                             "302 403 403 302 302 302 200 200 302 302 302"),
    "workbench:queue": E(                            "302 403 403 403 200 200 403 403 302 302 302"),
    "workbench:case": E(                             "302 403 403 200 200 404 200 200 302 302 302",
                        args="case"),
    "workbench:certificate-revoke": E(               "302 403 403 403 400 403 403 403 302 302 302",
                                      method="post", args="licence"),
    "workbench:identity": E(                         "302 403 403 200 403 403 200 403 302 302 302"),
    "workbench:window": E(                           "302 403 403 200 403 403 200 403 302 302 302"),
    "workbench:window-questions": E(                 "302 403 403 200 403 403 200 403 302 302 302",
                                    args="bundle"),
    "workbench:window-applicant": E(                 "302 403 403 200 403 403 200 403 302 302 302",
                                    args="bundle"),
    "workbench:window-form": E(                      "302 403 403 302 403 403 302 403 302 302 302",
                               args="bundle"),
    "workbench:receipt": E(                          "302 403 403 200 200 404 200 200 302 302 302",
                           args="application"),
    "workbench:registers": E(                        "302 403 403 200 200 200 200 200 302 302 302"),
    "workbench:register-load": E(                    "302 403 403 403 403 403 403 200 302 302 302",
                                 args="register"),
    # Staff management and halls: managers and administrators; one's own password: all staff
    "workbench:staff": E(                            "302 403 403 403 403 403 200 200 302 302 302"),
    "workbench:staff-add": E(                        "302 403 403 403 403 403 200 200 302 302 302"),
    "workbench:staff-edit": E(                       "302 403 403 403 403 403 200 200 302 302 302",
                              args="staff_member"),
    "workbench:staff-status": E(                     "302 403 403 403 403 403 302 302 302 302 302",
                                method="post", args="staff_member"),
    "workbench:staff-reset-password": E(             "302 403 403 403 403 403 200 200 302 302 302",
                                        method="post", args="staff_member"),
    "workbench:password": E(                         "302 403 403 200 200 200 200 200 302 302 302"),
    "workbench:halls": E(                            "302 403 403 403 403 403 200 200 302 302 302"),
    "workbench:hall-add": E(                         "302 403 403 403 403 403 200 200 302 302 302"),
    "workbench:hall-edit": E(                        "302 403 403 403 403 403 200 200 302 302 302",
                             args="hall"),
    "workbench:hall-windows": E(                     "302 403 403 403 403 403 200 200 302 302 302",
                                args="hall"),
    # Hall figures (and their CSV / xlsx downloads, same view): managers and administrators.
    "workbench:hall-figures": E(                     "302 403 403 403 403 403 200 200 302 302 302",
                                args="hall"),
    "workbench:category-edit": E(                    "302 403 403 403 403 403 200 200 302 302 302",
                                 args="category"),
    "workbench:window-edit": E(                      "302 403 403 403 403 403 200 200 302 302 302",
                               args="window"),
    # Tidal windows: the plan screen, accepting (an empty form: sent back to the screen, 302)
    # and withdrawing a plan: managers and administrators only.
    "workbench:hall-tidal": E(                       "302 403 403 403 403 403 200 200 302 302 302",
                              args="hall"),
    "workbench:hall-tidal-accept": E(                "302 403 403 403 403 403 302 302 302 302 302",
                                     method="post", args="hall"),
    "workbench:hall-tidal-withdraw": E(              "302 403 403 403 403 403 302 302 302 302 302",
                                       method="post", args="tidal_plan"),
    # Known peaks: an empty form is sent back (400); switching a peak off and on (302).
    "workbench:hall-peak-add": E(                    "302 403 403 403 403 403 400 400 302 302 302",
                                 method="post", args="hall"),
    "workbench:hall-peak-active": E(                 "302 403 403 403 403 403 302 302 302 302 302",
                                    method="post", args="peak"),
    # The window shift: clerks, assistants and managers (administrators do not work shifts)
    "workbench:shift": E(                            "302 403 403 200 403 403 200 403 302 302 302"),
    "workbench:shift-start": E(                      "302 403 403 302 403 403 302 403 302 302 302",
                               method="post"),
    "workbench:shift-end": E(                        "302 403 403 302 403 403 302 403 302 302 302",
                             method="post"),
    "workbench:shift-close": E(                      "302 403 403 403 403 403 302 302 302 302 302",
                               method="post", args="shift"),
    # -- the API -------------------------------------------------------------------------------
    "api:openapi-json": E(                           "200 200 200 200 200 200 200 200 200 200 200"),
    "api:openapi-view": E(                           "200 200 200 200 200 200 200 200 200 200 200"),
    "api:api-root": E(                               "404 404 404 404 404 404 404 404 404 404 404"),
    "api:not-found": E(                              "404 404 404 404 404 404 404 404 404 404 404"),
    "api:list_bundles": E(                           "200 200 200 200 200 200 200 200 200 200 200"),
    "api:plan": E(                                   "200 200 200 200 200 200 200 200 200 403 403",
                  args="bundle"),
    "api:search": E(                                 "200 200 200 200 200 200 200 200 200 200 200"),
    "api:verify_certificate": E(                     "200 200 200 200 200 200 200 200 200 200 200",
                                args="certificate"),
    "api:upload": E(                                 "401 401 401 401 401 401 401 401 403 400 400",
                    method="post"),
    "api:submit": E(                                 "401 401 401 401 401 401 401 401 403 400 400",
                    method="post"),
    "api:list_applications": E(                      "401 401 401 401 401 401 401 401 200 403 403"),
    "api:get_application": E(                        "401 401 401 401 401 401 401 401 200 403 403",
                             args="application"),
    "api:withdraw": E(                               "401 401 401 401 401 401 401 401 403 200 403",
                      method="post", args="application"),
    "api:queue": E(                                  "401 401 401 401 401 401 401 401 403 403 403"),
    "api:get_case": E(                               "401 401 401 401 401 401 401 401 200 403 403",
                      args="case"),
    "api:act": E(                                    "401 401 401 401 401 401 401 401 403 409 409",
                 method="post", args="case_action"),
    "api:get_delivery": E(                           "401 401 401 401 401 401 401 401 200 403 403",
                          args="application"),
    "api:choose_delivery": E(                        "401 401 401 401 401 401 401 401 403 400 400",
                             method="post", args="application"),
    "api:dispatch_delivery": E(                      "401 401 401 401 401 401 401 401 403 400 400",
                               method="post", args="application"),
    "api:delivered": E(                              "401 401 401 401 401 401 401 401 403 409 409",
                       method="post", args="application"),
    # -- tickets and calling (issue 14) ----------------------------------------------------------
    # Taking a ticket is public (the kiosk without sign-in, the phone with an account or a
    # mobile); a ticket's page is its holder's; the call screen is public (the hall's TV).
    "kiosk:ticket-take": E(                          "200 200 200 200 200 200 200 200 200 200 200"),
    "kiosk:ticket": E(                               "200 200 200 200 200 200 200 200 200 200 200",
                      args="kiosk_ticket"),
    "portal:ticket-take": E(                         "200 200 200 200 200 200 200 200 200 200 200",
                            args="hall"),
    "portal:ticket": E(                              "404 200 404 404 404 404 404 404 404 404 404",
                       args="ticket"),
    "portal:ticket-leave": E(                        "404 302 404 404 404 404 404 404 404 404 404",
                             method="post", args="ticket"),
    "portal:hall-screen": E(                         "200 200 200 200 200 200 200 200 200 200 200",
                            args="hall"),
    "portal:hall-screen-calls": E(                   "200 200 200 200 200 200 200 200 200 200 200",
                                  args="hall"),
    # A ticket taken signed in is its holder's (others: 404, no probing); the kiosk slip's
    # secret token is the slip. The window desk: window staff, sent to start a shift first
    # (302) and refused an action without one (403); the door printer: clerks, managers.
    "workbench:desk": E(                             "302 403 403 302 403 403 302 403 302 302 302"),
    "workbench:desk-action": E(                      "302 403 403 403 403 403 403 403 302 302 302",
                               method="post"),
    "workbench:door-ticket": E(                      "302 403 403 200 403 403 200 403 302 302 302",
                               args="hall"),
    # -- appointments (issue 14) -----------------------------------------------------------------
    # The portal's pages are the signed-in applicant's (staff: 403, book at the window);
    # someone else's appointment is a 404. The owner's cancel and check-in answer 302 (done,
    # or the page with the reason). Kiosk check-in by code is public. The window's list,
    # check-in and booking: window staff (clerks, managers). The API: slots are public (400
    # here: category and day are required), booking and cancelling need the submit scope
    # and an applicant; the owner's submit token cancels its own API booking.
    "portal:appointments": E(                        "302 200 200 403 403 403 403 403 302 302 302"),
    "portal:appointment-start": E(                   "302 200 200 403 403 403 403 403 302 302 302"),
    "portal:appointment-book": E(                    "302 200 200 403 403 403 403 403 302 302 302",
                                 args="hall"),
    "portal:appointment": E(                         "302 200 404 403 403 403 403 403 302 302 302",
                            args="appointment"),
    "portal:appointment-change": E(                  "302 200 404 403 403 403 403 403 302 302 302",
                                   args="appointment"),
    "portal:appointment-check-in": E(                "302 302 404 403 403 403 403 403 302 302 302",
                                     method="post", args="appointment"),
    "portal:appointment-cancel": E(                  "302 302 404 403 403 403 403 403 302 302 302",
                                   method="post", args="appointment"),
    "kiosk:appointment-check-in": E(                 "200 200 200 200 200 200 200 200 200 200 200"),
    "workbench:appointments": E(                     "302 403 403 200 403 403 200 403 302 302 302",
                                args="hall"),
    "workbench:appointment-check-in": E(             "302 403 403 302 403 403 302 403 302 302 302",
                                        method="post", args="hall"),
    "workbench:appointment-book": E(                 "302 403 403 200 403 403 200 403 302 302 302",
                                    args="hall"),
    # Changing and cancelling a booking at the window: staff of the booking's hall (the demo
    # clerk works there, managers anywhere), by POST only; an empty form shows the screen.
    "workbench:appointment-change": E(               "302 403 403 200 403 403 200 403 302 302 302",
                                      method="post", args="hall_appointment"),
    "workbench:appointment-cancel": E(               "302 403 403 200 403 403 200 403 302 302 302",
                                      method="post", args="hall_appointment"),
    "api:appointment_slots": E(                      "400 400 400 400 400 400 400 400 400 400 400",
                               args="hall"),
    "api:book_appointment": E(                       "401 401 401 401 401 401 401 401 403 400 400",
                              method="post"),
    "api:my_appointments": E(                        "401 401 401 401 401 401 401 401 200 403 403"),
    # 改约 in the API: the submit scope; an empty body is refused (400: starts is required).
    "api:change_appointment": E(                     "401 401 401 401 401 401 401 401 403 400 400",
                                method="post", args="api_appointment"),
    "api:cancel_appointment": E(                     "401 401 401 401 401 401 401 401 403 200 403",
                                method="post", args="api_appointment"),
}
# The Django admin: its index and sign-in page here; every model's list and add pages in
# test_every_admin_page_is_for_administrators_only.
ADMIN: dict[str, Entry] = {
    "admin:index": E(                                "302 302 302 302 302 302 200 200 302 302 302"),
    "admin:login": E(                                "200 200 200 200 200 200 302 302 200 200 200"),
}


def url_patterns() -> list[tuple[str, str]]:
    """(name, route) of every URL pattern, namespaces included."""

    def walk(patterns, prefix: str = "", ns: str = ""):
        for p in patterns:
            if isinstance(p, URLResolver):
                inner = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
                yield from walk(p.url_patterns, prefix + str(p.pattern), inner)
            elif isinstance(p, URLPattern):
                yield (f"{ns}:{p.name}" if ns else (p.name or "")), prefix + str(p.pattern)

    return list(walk(get_resolver().url_patterns))


def test_every_url_pattern_has_an_entry():
    missing = [(name, route) for name, route in url_patterns()
               if name not in MATRIX and not name.startswith("admin:")]
    assert missing == [], "add these URLs to the access matrix"
    unnamed = [route for name, route in url_patterns() if not name]
    assert unnamed == []
    stale = set(MATRIX) - {name for name, _ in url_patterns()}
    assert stale == set()


# -- the world the URLs are filled from ------------------------------------------------------


@dataclass
class World:
    kwargs: dict[str, dict[str, object]]
    signed_in: dict[str, object]  # role -> user (a session) or str (an API token)

    def client(self, role: str) -> Client:
        """A fresh client per request: a sign-out under test must not end the next one."""
        who = self.signed_in.get(role)
        if isinstance(who, str):
            return Client(HTTP_AUTHORIZATION=f"Bearer {who}")
        client = Client()
        if who is not None:
            client.force_login(who)
        return client


@pytest.fixture
def world(demo, halls) -> World:
    from onething.accounts.models import User
    from onething.accounts.services import issue_api_token
    from onething.applications.models import ProvidedMaterial
    from onething.applications.services import Submission, submit_application, transition_case
    from onething.certificates.models import Certificate
    from onething.domain.cases import Action
    from onething.registers.demo import load_demo_registers
    from tests.conftest import restaurant_submission

    load_demo_registers()
    applicant = demo.applicant
    application = submit_application(restaurant_submission(applicant), actor=applicant,
                                     applicant=applicant)
    registration = application.cases.get(matter__code="business-registration")
    transition_case(registration.pk, Action.ACCEPT, actor=demo.samr)
    transition_case(registration.pk, Action.APPROVE, actor=demo.samr)
    licence = Certificate.objects.get(case=registration)
    record = submit_application(Submission(bundle="no-criminal-record", answers={},
                                           form_data={"certificate_purpose": "就业"},
                                           materials={}), actor=applicant, applicant=applicant)
    certificate = Certificate.objects.get(case__application=record)
    from onething.applications.drafts import save_draft

    # 申请草稿: the owner's only (the owner's delete runs first: later columns find none).
    draft = save_draft(owner=applicant, actor=applicant, bundle="restaurant", answers={},
                       form_data={"company_name": "张记"}, materials={}, choices={},
                       idempotency_key="matrix-draft", allowed_materials=[])
    material = ProvidedMaterial.objects.filter(application=application,
                                               upload__isnull=False).first()
    tax = User.objects.get(username="reviewer-dc-tax")
    from onething.accounts.services import create_staff
    from onething.hall.services import start_shift

    # Someone else's account and shift, for the staff and shift pages that change them.
    member = create_staff(username="w-matrix", password="x", role="clerk")
    shift = start_shift(halls.window(halls.county, 3), actor=member)
    admin = User.objects.get(username="demo-admin")
    # A phone ticket the owner took signed in, and a kiosk ticket (anyone's slip).
    from onething.domain.tickets import Channel
    from onething.hall.ticket_services import take_ticket

    category_a = halls.county.categories.get(letter="A")
    from zoneinfo import ZoneInfo

    # Taken within the demo hall's hours (a Wednesday morning), whenever the test runs.
    opened = dt.datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    phone_ticket = take_ticket(category_a, channel=Channel.PHONE, user=applicant, now=opened)
    kiosk_ticket = take_ticket(category_a, channel=Channel.KIOSK, now=opened)
    # Two of the owner's appointments in the first free slots: one for the portal's pages,
    # one the API cancels.
    from onething.hall import appointment_selectors
    from onething.hall.appointment_services import book_appointment

    free = [p.starts for day in appointment_selectors.bookable_days(halls.county)
            for p in appointment_selectors.day_places(category_a, day)
            if p.left and p.starts > timezone.now() + dt.timedelta(hours=2)]
    appointment = book_appointment(category_a, person=applicant, actor=applicant,
                                   slot_starts=free[0], channel="portal")
    api_appointment = book_appointment(halls.county.categories.get(letter="B"),
                                       person=applicant, actor=applicant,
                                       slot_starts=free[0], channel="api")
    # An accepted tidal plan of tomorrow (no history: no switches), to withdraw.

    from onething.hall.tidal_services import accept_tidal_plan

    tidal_plan = accept_tidal_plan(halls.county, timezone.localdate() + dt.timedelta(days=1),
                                   actor=None)
    # A known peak of the county centre's own (the demo's come from the catalogue).
    from onething.hall.models import DemandPeak

    peak = DemandPeak.objects.create(hall=halls.county, name="秋季补录", factor=2, months="9")
    kwargs = {
        "": {},
        "bundle": {"slug": "restaurant"},
        "scenario": {"slug": "cake-shop"},
        "matter": {"code": "residence-permit-application"},
        "guide": {"slug": "restaurant", "fmt": "large.pdf"},
        "certificate": {"number": certificate.number},
        "licence": {"number": licence.number},
        "application": {"application_id": application.pk},
        "case": {"case_id": registration.pk},
        "resubmit": {"application_id": application.pk, "case_id": registration.pk},
        "case_action": {"case_id": registration.pk, "action": "accept"},
        "material": {"material_id": material.pk},
        "draft": {"draft_id": draft.pk},
        "receipt": {"application_id": application.pk, "fmt": "large.pdf"},
        "notice": {"application_id": application.pk, "case_id": registration.pk,
                   "kind": "decision", "fmt": "large.pdf"},
        "kiosk_task": {"slug": "no-criminal-record"},
        "register": {"register": "criminal-records"},
        "staff_member": {"user_id": member.pk},
        "hall": {"hall_id": halls.county.pk},
        "category": {"hall_id": halls.county.pk,
                     "category_id": halls.county.categories.get(letter="A").pk},
        "window": {"hall_id": halls.county.pk, "window_id": halls.window(halls.county, 1).pk},
        "shift": {"shift_id": shift.pk},
        "tidal_plan": {"hall_id": halls.county.pk, "plan_id": tidal_plan.pk},
        "peak": {"hall_id": halls.county.pk, "peak_id": peak.pk},
        "ticket": {"token": phone_ticket.token},
        "kiosk_ticket": {"token": kiosk_ticket.token},
        "appointment": {"appointment_id": appointment.pk},
        "api_appointment": {"appointment_id": api_appointment.pk},
        "hall_appointment": {"hall_id": halls.county.pk, "appointment_id": appointment.pk},
    }
    signed_in = {
        "applicant": applicant,
        "other_applicant": demo.applicant2,
        "clerk": demo.clerk,
        "reviewer": demo.samr,
        "other_reviewer": tax,
        "manager": demo.manager,
        "admin": admin,
        # One scope each: the owner's read-only and submit-only tokens, the reviewer's.
        "token_read": issue_api_token(applicant, label="read", scopes=["read"]),
        "token_submit": issue_api_token(applicant, label="submit", scopes=["submit"]),
        "token_staff": issue_api_token(demo.samr, label="staff", scopes=["staff"]),
    }
    return World(kwargs, signed_in)


def _url(name: str, entry: Entry, world: World) -> str:
    if name == "api:not-found":
        return "/api/v1/no-such-thing"
    if name == "portal:resubmit":
        return reverse(name, kwargs=world.kwargs["resubmit"])
    return reverse(name, kwargs=world.kwargs[entry.args])


def _status(client: Client, method: str, url: str) -> int:
    if method == "post" and url.startswith("/api/") and not url.endswith("/uploads"):
        return client.post(url, "{}", content_type="application/json").status_code
    if method == "post":
        return client.post(url, {}).status_code
    return client.get(url).status_code


def test_every_role_gets_what_the_matrix_says(world):
    wrong = []
    for name, entry in {**MATRIX, **ADMIN}.items():
        url = _url(name, entry, world)
        for role, expected in entry.expected().items():
            got = _status(world.client(role), entry.method, url)
            if got != expected:
                wrong.append(f"{name} as {role}: {got}, expected {expected}")
    assert wrong == [], "\n".join(wrong)


def test_every_admin_page_is_for_administrators_only(world):
    """The admin namespace, model by model: each registered model's list and add pages.
    Managers are staff in the admin's sense but hold no model permissions (403)."""
    from django.contrib import admin

    expected = dict(zip(ROLES, (302, 302, 302, 302, 302, 302, 403, 200, 302, 302, 302),
                        strict=True))
    wrong = []
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        for page in ("changelist", "add"):
            url = reverse(f"admin:{meta.app_label}_{meta.model_name}_{page}")
            for role, status in expected.items():
                if page == "add" and role == "admin" and not model_admin.has_add_permission(
                        _AdminRequest(world)):
                    status = 403
                got = world.client(role).get(url).status_code
                if got != status:
                    wrong.append(f"{url} as {role}: {got}, expected {status}")
    assert wrong == [], "\n".join(wrong)


class _AdminRequest:
    """Enough of a request for ModelAdmin.has_add_permission: the admin user."""

    def __init__(self, world: World) -> None:
        self.user = world.signed_in["admin"]
