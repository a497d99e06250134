"""(c) Our case engine vs SpiffWorkflow (BPMN), same bundle, same human steps.

    python bench/spiff_compare.py [--iterations N]

The BPMN process is built from the newborn plan: per matter three user tasks
(accept → approve → conclude: the same human steps as ours), a parallel split
at the start, the plan's real dependency edges as sequence flows from the
prerequisite's *approve* (where ours releases dependents), parallel joins
where a matter has several prerequisites, one join before the end.

Two comparisons, both on the same Python in one process run, alternating
A B A B (BENCHMARKING.md):

1. **persisted** (headline, ``spiff_cost_ratio``): ours = ``submit_application``
   + ``transition_case`` accept/approve/conclude for every case, on
   PostgreSQL; theirs = create + per human step load → complete one task →
   save, the workflow serialised to JSON by ``BpmnWorkflowSerializer`` and
   written to a row of the same PostgreSQL, one transaction per step.
2. **engine only, in memory**: ours = the pure planner + the transition table
   driving the same lifecycle; theirs = create + complete every task + run to
   the end, no serialisation, no database (plus, for reference, the same with
   serialise/deserialise per step, CPU only).

Prints one JSON line; ratios are theirs ÷ ours per application.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    # Run as a file: the repo root goes first, so this folder (which holds a
    # queue.py) never shadows the standard library's ``queue``.
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import io
import os
import statistics
import time
from xml.sax.saxutils import quoteattr

from bench.stack import PDF, emit, log, machine, site

STEPS = ("accept", "approve", "conclude")
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def _id(code: str, step: str) -> str:
    return f"t_{code.replace('-', '_')}_{step}"


def build_bpmn(matters: list[dict], process_id: str = "bundle") -> str:
    """A BPMN 2.0 process for the plan's matters and dependency edges."""
    codes = [m["code"] for m in matters]
    deps = {m["code"]: list(m["depends_on"]) for m in matters}
    dependents = {c: [d for d in codes if c in deps[d]] for c in codes}
    nodes: list[str] = ['<bpmn:startEvent id="start"/>', '<bpmn:endEvent id="end"/>',
                        '<bpmn:parallelGateway id="split_start"/>',
                        '<bpmn:parallelGateway id="join_end"/>']
    flows: list[tuple[str, str]] = [("start", "split_start"), ("join_end", "end")]
    for c in codes:
        for step in STEPS:
            nodes.append(f'<bpmn:userTask id="{_id(c, step)}" name={quoteattr(c + " " + step)}/>')
        flows += [(_id(c, "accept"), _id(c, "approve")), (_id(c, "conclude"), "join_end")]
        # Several prerequisites: a join before accepting.
        entry = _id(c, "accept")
        if len(deps[c]) > 1:
            entry = f"join_{c.replace('-', '_')}"
            nodes.append(f'<bpmn:parallelGateway id="{entry}"/>')
            flows.append((entry, _id(c, "accept")))
        if not deps[c]:
            flows.append(("split_start", entry))
        for p in deps[c]:
            source = (f"split_{p.replace('-', '_')}" if dependents[p] else _id(p, "approve"))
            flows.append((source, entry))
        if dependents[c]:
            split = f"split_{c.replace('-', '_')}"
            nodes.append(f'<bpmn:parallelGateway id="{split}"/>')
            flows += [(_id(c, "approve"), split), (split, _id(c, "conclude"))]
        else:
            flows.append((_id(c, "approve"), _id(c, "conclude")))
    body = "\n".join(nodes + [f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
                              for i, (a, b) in enumerate(flows)])
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="{BPMN_NS}" '
            f'id="defs" targetNamespace="http://onething/bench">\n'
            f'<bpmn:process id="{process_id}" isExecutable="true">\n{body}\n'
            f'</bpmn:process>\n</bpmn:definitions>\n')


class Spiff:
    def __init__(self, xml: str) -> None:
        from SpiffWorkflow.bpmn.parser import BpmnParser
        from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
        from SpiffWorkflow.util.task import TaskState

        parser = BpmnParser()
        parser.add_bpmn_str(xml.encode())
        self.spec = parser.get_spec("bundle")
        self.serializer = BpmnWorkflowSerializer()
        self.ready = TaskState.READY

    def new(self):
        from SpiffWorkflow.bpmn import BpmnWorkflow

        wf = BpmnWorkflow(self.spec)
        wf.do_engine_steps()
        return wf

    def step(self, wf) -> bool:
        """Complete one ready human task (the first, as a reviewer would pick one)."""
        tasks = wf.get_tasks(state=self.ready, manual=True)
        if not tasks:
            return False
        tasks[0].run()
        wf.do_engine_steps()
        return True

    def in_memory(self) -> int:
        wf, steps = self.new(), 0
        while self.step(wf):
            steps += 1
        assert wf.is_completed()
        return steps

    def in_memory_serialised(self) -> tuple[int, int]:
        state, steps = self.serializer.serialize_json(self.new()), 0
        while True:
            wf = self.serializer.deserialize_json(state)
            if not self.step(wf):
                break
            state = self.serializer.serialize_json(wf)
            steps += 1
        assert wf.is_completed()
        return steps, len(state)

    def persisted(self, conn) -> tuple[int, int]:
        """Create, then per human step: load (row lock) → complete one task → save."""
        with conn.transaction():
            state = self.serializer.serialize_json(self.new())
            wf_id = conn.execute("INSERT INTO bench_spiff_workflow (state) VALUES (%s) "
                                 "RETURNING id", (state,)).fetchone()[0]
        steps = 0
        while True:
            with conn.transaction():
                state = conn.execute("SELECT state FROM bench_spiff_workflow WHERE id = %s "
                                     "FOR UPDATE", (wf_id,)).fetchone()[0]
                wf = self.serializer.deserialize_json(state)
                if not self.step(wf):
                    break
                state = self.serializer.serialize_json(wf)
                conn.execute("UPDATE bench_spiff_workflow SET state = %s WHERE id = %s",
                             (state, wf_id))
            steps += 1
        assert wf.is_completed()
        return steps, len(state)


class Ours:
    """Our services on the site's database, and our pure engine in memory."""

    def __init__(self, s) -> None:
        import django

        os.environ.update({k: v for k, v in s.env.items() if k.startswith(("ONETHING_",
                                                                             "DATABASE_URL"))})
        os.environ["DJANGO_SETTINGS_MODULE"] = "onething.settings"
        django.setup()
        from onething.accounts.models import Role, User
        from onething.applications import services
        from onething.catalog import selectors

        self.services = services
        self.applicant = User.objects.get(username="demo-applicant")
        self.reviewers = {u.department_id: u for u in
                          User.objects.filter(role=Role.REVIEWER).exclude(department=None)}
        upload = services.store_upload(io.BytesIO(PDF), owner=self.applicant, name="m.pdf")
        self.plan, self.form = s.plan, s.form_data
        self.materials = {m["key"]: upload.pk for m in self.plan["materials"]}
        self.catalog = selectors.catalog_for_bundles([self.plan["bundle"]])
        self.calendar = selectors.working_day_calendar(provisional=True)
        self.n = 0

    def persisted(self) -> int:
        from onething.applications.models import Case

        s = self.services
        self.n += 1
        app = s.submit_application(
            s.Submission(bundle=self.plan["bundle"], answers=self.plan["answers"],
                         form_data=self.form, materials=self.materials,
                         idempotency_key=f"spiff-ours-{os.getpid()}-{self.n}"),
            actor=self.applicant, applicant=self.applicant, channel="api")
        steps = 0
        for case_id, department_id in (Case.objects.filter(application=app)
                                       .order_by("stage", "position")
                                       .values_list("id", "department_id")):
            for action in STEPS:
                s.transition_case(case_id, action, actor=self.reviewers[department_id])
                steps += 1
        app.refresh_from_db()
        assert app.status == "completed", app.status
        return steps

    def in_memory(self) -> int:
        """Plan, then drive every case through the transition table, releasing
        dependents on approval, deriving the application status each step."""
        import datetime as dt

        from onething.domain.cases import (
            SUCCESSFUL,
            Action,
            CaseStatus,
            Role,
            derive_application_status,
            next_status,
        )
        from onething.domain.planner import make_plan

        plan = make_plan(self.catalog, self.plan["bundle"], dict(self.plan["answers"]),
                         start=dt.date.today(), calendar=self.calendar)
        status = {m.code: CaseStatus.WAITING if m.depends_on else CaseStatus.SUBMITTED
                  for m in plan.matters}
        deps = {m.code: m.depends_on for m in plan.matters}
        steps = 0
        for m in plan.matters:
            for action in STEPS:
                status[m.code] = next_status(status[m.code], Action(action), role=Role.REVIEWER)
                steps += 1
                if status[m.code] in SUCCESSFUL:
                    for d, pre in deps.items():
                        if (status[d] is CaseStatus.WAITING and m.code in pre and all(
                                status[p] in SUCCESSFUL or status[p] is CaseStatus.CONCLUDED
                                for p in pre)):
                            status[d] = next_status(status[d], Action.RELEASE, role=Role.SYSTEM)
                derive_application_status(status.values())
        assert derive_application_status(status.values()) == "completed"
        return steps


def _alternate(a, b, iterations: int, warmup: int = 2) -> tuple[list[float], list[float]]:
    """Time a() and b() alternately (A B A B …); per-call seconds."""
    for _ in range(warmup):
        a()
        b()
    ta, tb = [], []
    for _ in range(iterations):
        t0 = time.perf_counter()
        a()
        t1 = time.perf_counter()
        b()
        t2 = time.perf_counter()
        ta.append(t1 - t0)
        tb.append(t2 - t1)
    return ta, tb


def _summary(times: list[float]) -> dict:
    ordered = sorted(times)
    return {"median_ms": round(statistics.median(times) * 1000, 3),
            "p10_ms": round(ordered[len(ordered) // 10] * 1000, 3),
            "p90_ms": round(ordered[(len(ordered) * 9) // 10] * 1000, 3), "n": len(times)}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--iterations", type=int, default=40,
                    help="persisted applications per side (in-memory runs 10× as many)")
    args = ap.parse_args(argv)
    started = time.monotonic()
    with site("postgres") as s:
        import psycopg

        ours = Ours(s)
        spiff = Spiff(build_bpmn(s.plan["matters"]))
        edges = sum(len(m["depends_on"]) for m in s.plan["matters"])
        human_steps = 3 * len(s.plan["matters"])
        assert spiff.in_memory() == human_steps == ours.in_memory()
        _, state_bytes = spiff.in_memory_serialised()
        with psycopg.connect(s.database_url) as conn:
            conn.execute("CREATE TABLE bench_spiff_workflow (id bigserial PRIMARY KEY, "
                         "state text NOT NULL)")
            conn.commit()
            log(f"[spiff] persisted: {args.iterations} applications each side, A B A B")
            theirs_p, ours_p = _alternate(lambda: spiff.persisted(conn), ours.persisted,
                                          args.iterations)
        n_mem = args.iterations * 10
        log(f"[spiff] in memory: {n_mem} each side")
        theirs_m, ours_m = _alternate(spiff.in_memory, ours.in_memory, n_mem)
        theirs_ms, _ = _alternate(spiff.in_memory_serialised, ours.in_memory, n_mem // 4)
    p_theirs, p_ours = _summary(theirs_p), _summary(ours_p)
    m_theirs, m_ours = _summary(theirs_m), _summary(ours_m)
    ratio = round(p_theirs["median_ms"] / p_ours["median_ms"], 3)
    result = {
        "benchmark": "spiff_compare", "bundle": s.plan["bundle"],
        "matters": len(s.plan["matters"]), "dependency_edges": edges,
        "human_steps": human_steps, "spiff_state_bytes": state_bytes,
        "persisted": {
            "what": "per application, PostgreSQL: ours submit_application + transition_case × "
                    f"{human_steps}; SpiffWorkflow create + (load→complete→save JSON row) × "
                    f"{human_steps}",
            "ours": p_ours, "spiff": p_theirs,
            "ours_per_step_ms": round(p_ours["median_ms"] / (human_steps + 1), 3),
            "spiff_per_step_ms": round(p_theirs["median_ms"] / (human_steps + 1), 3)},
        "spiff_cost_ratio": ratio,
        "engine_only_in_memory": {
            "what": "per application, no database: ours planner + transition table; "
                    "SpiffWorkflow create + complete all + run to end",
            "ours": m_ours, "spiff": m_theirs,
            "spiff_serialising_each_step": _summary(theirs_ms),
            "ratio": round(m_theirs["median_ms"] / m_ours["median_ms"], 3)},
        "goal": {"spiff_cost_ratio": ">= 10 (persisted)"},
        "goal_met": ratio >= 10,
        "wall_seconds": round(time.monotonic() - started, 1),
        "machine": machine(),
    }
    emit(result)
    return result


if __name__ == "__main__":
    main()
