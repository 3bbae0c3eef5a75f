"""A Hypothesis state machine driving the service as two organizers would.

Rules: create an event (reskilling or industry-fair programme), import
participants (replace, with an Idempotency-Key replay), run a match job,
match then plan its timetable (and maybe re-plan it after a no-show),
record feedback, pin or forbid a pair (then match), open a participant's
link (own profile and partners only, no one else's contacts), delete a participant,
delete an event, check deleted events stay gone.  A model keeps what each organizer
should see.

Invariants, checked after every step:

* isolation: each organizer lists exactly its own events; the other
  organizer's ids answer 404 (event, its participants, jobs, results);
* totals: an event's ``participants`` count, its participant list, its locks
  and its jobs match the model;
* jobs: every job ever seen is re-read; its state never moves backwards
  (queued → running → succeeded | failed | cancelled, final states stay);
* results: a match result's stored pairs equal its summary count, name only
  participants that were in the event when the job was submitted, keep every
  pin and no forbidden pair; a failed job carries a problem and a message.

Results are snapshots: deleting a participant later does not rewrite them
(the contract has no "stale" marker), so the check is against the event as
it was when the job ran.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test

__all__: list[str] = []

PRESETS = ("reskilling", "industry-fair")


def make_machine(api):  # noqa: ANN001, ANN201 - returns the state machine class bound to this test's app
    class ServiceMachine(RuleBasedStateMachine):
        @initialize(presets=st.tuples(st.sampled_from(PRESETS), st.sampled_from(PRESETS)))
        def organizers(self, presets: tuple[str, str]) -> None:
            """Two organizers, each with one event holding participants (so every rule has work from step 1)."""
            self.orgs = [api.organizer("A"), api.organizer("B")]
            self.model: dict[str, dict[str, Any]] = {}  # event id -> what its owner should see
            self.jobs: dict[str, tuple[int, str]] = {}  # job id -> (owner, event id)
            self.results: dict[str, dict[str, Any]] = {}  # result id -> what it may contain
            self.deleted: list[tuple[int, str]] = []  # (owner, event id) of deleted events
            self.counter = 0
            for owner, preset in enumerate(presets):
                event_id = self.new_event(owner, preset, 1)
                self.import_into(event_id, 1, 8, 4)

        # -- helpers
        def who(self, event_id: str):  # noqa: ANN202
            return self.orgs[self.model[event_id]["owner"]]

        def other(self, event_id: str):  # noqa: ANN202
            return self.orgs[1 - self.model[event_id]["owner"]]

        def live(self, event_id: str) -> bool:
            return event_id in self.model

        def run(self, event_id: str, body: dict[str, Any]) -> dict[str, Any] | None:
            """Submit a job and wait; None when refused up front (422/409, with a problem)."""
            m = self.model[event_id]
            who = self.who(event_id)
            response = api.submit(who, event_id, body)
            if response.status_code in (409, 422):
                api.slug(response)
                return None
            job = api.ok(response, 202)
            api.record_state(job)
            self.jobs[job["id"]] = (m["owner"], event_id)
            m["jobs"] += 1
            done = api.wait(who, job["id"])
            if done["state"] == "failed":
                assert done["message"] and done["error"] and done["error"]["type"], done
                assert done["result_id"] is None, done
            return done

        # -- rules
        def pick(self, data: st.DataObject, *, with_participants: bool = True) -> str | None:
            """A live event (with participants unless told otherwise), or None."""
            candidates = sorted(e for e, m in self.model.items() if m["participants"] or not with_participants)
            return data.draw(st.sampled_from(candidates)) if candidates else None

        @precondition(lambda self: len(self.model) < 5)
        @rule(owner=st.integers(0, 1), preset=st.sampled_from(PRESETS), seed=st.integers(1, 4))
        def create_event(self, owner: int, preset: str, seed: int) -> None:
            self.new_event(owner, preset, seed)

        def new_event(self, owner: int, preset: str, seed: int) -> str:
            data = api.synthetic(preset, seed, 8, 4)
            event = api.create_event(self.orgs[owner], data, name=f"{preset}-{seed}")
            assert event["participants"] == 0
            self.model[event["id"]] = {"owner": owner, "preset": preset, "participants": [], "locks": {}, "jobs": 0,
                                       "match_results": [], "plan_results": [], "feedback": set()}
            return event["id"]

        @rule(data=st.data())
        def deleted_events_stay_gone(self, data: st.DataObject) -> None:
            if not self.deleted:
                return
            owner, event_id = data.draw(st.sampled_from(self.deleted))
            for who in self.orgs:
                for url in (f"/api/v1/events/{event_id}", f"/api/v1/events/{event_id}/participants"):
                    r = api.get(url, who)
                    assert r.status_code == 404 and api.slug(r) == "not-found", (url, r.status_code)
            r = api.import_file(self.orgs[owner], event_id, api.synthetic("reskilling", 1, 4, 2).csv)
            assert r.status_code == 404, r.text

        @rule(data=st.data(), seed=st.integers(1, 4), n_left=st.integers(4, 10), n_right=st.integers(2, 5))
        def import_participants(self, data: st.DataObject, seed: int, n_left: int, n_right: int) -> None:
            event_id = self.pick(data, with_participants=False)
            if event_id is not None:
                self.import_into(event_id, seed, n_left, n_right)

        def import_into(self, event_id: str, seed: int, n_left: int, n_right: int) -> None:
            m = self.model[event_id]
            data = api.synthetic(m["preset"], seed, n_left, n_right)
            key = f"imp-{event_id}-{self.counter}"
            self.counter += 1
            first = api.import_file(self.who(event_id), event_id, data.csv, key=key)
            body = api.ok(first)
            assert body["imported"] == body["total"] == len(data.ids), body
            replay = api.import_file(self.who(event_id), event_id, data.csv, key=key)
            assert replay.status_code == 200 and replay.json() == body
            m["participants"] = list(data.ids)
            m["left"], m["right"] = set(data.left_ids), set(data.right_ids)
            m.setdefault("ever", set()).update(data.ids)
            m["locks"] = {k: v for k, v in m["locks"].items() if k[0] in data.ids and k[1] in data.ids}
            # the other organizer cannot import into it
            assert api.import_file(self.other(event_id), event_id, data.csv).status_code == 404

        @rule(data=st.data(), objective=st.sampled_from(["max-total", "greedy", "fair", "stable"]))
        def match(self, data: st.DataObject, objective: str) -> None:
            event_id = self.pick(data)
            if event_id is not None:
                self.match_event(event_id, objective)

        def match_event(self, event_id: str, objective: str = "max-total") -> str | None:
            """Run a match job; its result id when it succeeded."""
            m = self.model[event_id]
            present = set(m["participants"])
            locks = dict(m["locks"])
            job = self.run(event_id, {"kind": "match", "round": 0, "objective": objective})
            if job is None or job["state"] != "succeeded":
                return None
            rid = job["result_id"]
            m["match_results"].append(rid)
            pairs = api.all_items(self.who(event_id), f"/api/v1/results/{rid}/pairs", page=100)
            got = {(p["left_id"], p["right_id"]) for p in pairs}
            self.results[rid] = {"owner": m["owner"], "event_id": event_id, "present": present, "pairs": got}
            for (left, right), kind in locks.items():
                if kind == "pin":
                    assert (left, right) in got, (left, right, "pinned pair missing")
                else:
                    assert (left, right) not in got, (left, right, "forbidden pair matched")
            return rid

        @precondition(lambda self: any(m["preset"] == "industry-fair" and m["participants"] for m in self.model.values()))
        @rule(data=st.data(), replan=st.booleans(), pick=st.integers(0, 1000))
        def match_then_plan(self, data: st.DataObject, replan: bool, pick: int) -> None:
            """Match, plan the timetable of the result, and maybe re-plan it after a no-show.

            Every choice is drawn before the service answers (what the service does must not steer the draws).
            """
            candidates = sorted(e for e, m in self.model.items() if m["preset"] == "industry-fair" and m["participants"])
            event_id = data.draw(st.sampled_from(candidates))
            m = self.model[event_id]
            present = set(m["participants"])
            source = self.match_event(event_id)
            if source is None:
                return
            job = self.run(event_id, {"kind": "plan", "round": 0, "result_id": source})
            if job is None or job["state"] != "succeeded":
                return
            rid = job["result_id"]
            m["plan_results"].append(rid)
            table = api.ok(api.get(f"/api/v1/results/{rid}/timetable", self.who(event_id)))
            source = self.results[source]["pairs"]
            for meeting in table["meetings"]:
                assert meeting["left"] in present and meeting["right"] in present, meeting
                assert (meeting["left"], meeting["right"]) in source, meeting
            if replan:
                self.replan(event_id, pick)

        def replan(self, event_id: str, pick: int) -> None:
            """Re-plan the latest timetable without one participant who did not come (the ``pick``-th who meets)."""
            m = self.model[event_id]
            who = self.who(event_id)
            source = m["plan_results"][-1]
            before = api.ok(api.get(f"/api/v1/results/{source}/timetable", who))
            people = sorted({x for mt in before["meetings"] for x in (mt["left"], mt["right"])})
            if not people:
                return
            gone = people[pick % len(people)]
            job = self.run(event_id, {"kind": "replan", "result_id": source, "no_show": [gone]})
            if job is None or job["state"] != "succeeded":
                return
            after = api.ok(api.get(f"/api/v1/results/{job['result_id']}/timetable", who))
            assert after["kind"] == "replan", after["kind"]
            first_slot = before["slots"][0]["id"] if before["slots"] else None
            for meeting in after["meetings"]:
                assert (meeting["left"], meeting["right"]) in {(x["left"], x["right"]) for x in before["meetings"]} or \
                    gone not in (meeting["left"], meeting["right"]), meeting
                if gone in (meeting["left"], meeting["right"]):
                    # only meetings that already happened (before the re-plan slot) may still name the no-show
                    assert after.get("now_slot") not in (None, first_slot), (gone, meeting, after.get("now_slot"))
            m["plan_results"].append(job["result_id"])

        @rule(data=st.data(), answer=st.booleans())
        def feedback(self, data: st.DataObject, answer: bool) -> None:
            event_id = self.pick(data)
            if event_id is None:
                return
            m = self.model[event_id]
            left = data.draw(st.sampled_from(sorted(m["left"] & set(m["participants"]) or {None})))
            right = data.draw(st.sampled_from(sorted(m["right"] & set(m["participants"]) or {None})))
            if left is None or right is None:
                return
            body = {"round": 0, "left": left, "right": right, "left_yes": answer, "deal": answer}
            assert api.post(f"/api/v1/events/{event_id}/feedback", self.other(event_id), json=body).status_code == 404
            api.ok(api.post(f"/api/v1/events/{event_id}/feedback", self.who(event_id), json=body), 201)
            m["feedback"].add((left, right))

        @rule(data=st.data(), kind=st.sampled_from(["pin", "forbid"]))
        def lock(self, data: st.DataObject, kind: str) -> None:
            event_id = self.pick(data)
            if event_id is None:
                return
            m = self.model[event_id]
            lefts = sorted(m["left"] & set(m["participants"]))
            rights = sorted(m["right"] & set(m["participants"]))
            if not lefts or not rights:
                return
            left, right = data.draw(st.sampled_from(lefts)), data.draw(st.sampled_from(rights))
            body = {"round": 0, "left": left, "right": right, "kind": kind}
            assert api.post(f"/api/v1/events/{event_id}/locks", self.other(event_id), json=body).status_code == 404
            r = api.post(f"/api/v1/events/{event_id}/locks", self.who(event_id), json=body)
            if r.status_code == 201:
                m["locks"][(left, right)] = kind
                self.match_event(event_id)  # the next match keeps every lock (checked there)
            else:  # a pin the rules cannot allow (e.g. no common language) is refused with a reason
                assert r.status_code in (409, 422), r.text
                api.slug(r)

        @rule(data=st.data())
        def participant_portal(self, data: st.DataObject) -> None:
            """A participant's link shows their own profile and partners of the other side, no one else's contacts."""
            event_id = self.pick(data)
            if event_id is None:
                return
            m = self.model[event_id]
            pid = data.draw(st.sampled_from(m["participants"]))
            url = f"/api/v1/events/{event_id}/participants/{pid}/link"
            assert api.post(url, self.other(event_id)).status_code == 404
            link = api.ok(api.post(url, self.who(event_id)), 201)["token"]
            profile = api.get(f"/api/v1/p/{link}")
            recommendations = api.get(f"/api/v1/p/{link}/recommendations?lang=en")
            assert profile.status_code == 200 and recommendations.status_code == 200, (profile.text, recommendations.text)
            assert profile.json()["participant"]["id"] == pid, profile.json()
            other_side = (m["right"] if pid in m["left"] else m["left"]) & set(m["participants"])
            for item in recommendations.json()["items"]:
                # only partners who are in the event now (see service_bugs.md #3 for stale results)
                assert item["partner_id"] in other_side, (pid, item, sorted(other_side))
            for response in (profile, recommendations):
                leaked = [x for x in m["ever"] if x != pid and f"@{x}." in response.text]
                assert not leaked, (pid, leaked)

        @rule(data=st.data())
        def delete_participant(self, data: st.DataObject) -> None:
            event_id = self.pick(data)
            if event_id is None:
                return
            m = self.model[event_id]
            pid = data.draw(st.sampled_from(m["participants"]))
            url = f"/api/v1/events/{event_id}/participants/{pid}"
            assert api.delete(url, self.other(event_id)).status_code == 404
            assert api.delete(url, self.who(event_id)).status_code == 204
            assert api.get(url, self.who(event_id)).status_code == 404
            m["participants"].remove(pid)
            m["locks"] = {k: v for k, v in m["locks"].items() if pid not in k}

        @precondition(lambda self: len(self.model) >= 3)
        @rule(data=st.data())
        def delete_event(self, data: st.DataObject) -> None:
            event_id = self.pick(data, with_participants=False)
            url = f"/api/v1/events/{event_id}"
            assert api.delete(url, self.other(event_id)).status_code == 404
            assert api.delete(url, self.who(event_id)).status_code == 204
            assert api.get(url, self.who(event_id)).status_code == 404
            owner = self.model.pop(event_id)["owner"]
            self.deleted.append((owner, event_id))
            for rid, res in list(self.results.items()):
                if res["event_id"] == event_id:
                    assert api.get(f"/api/v1/results/{rid}", self.orgs[owner]).status_code == 404
                    del self.results[rid]

        # -- invariants
        @invariant()
        def isolation_and_totals(self) -> None:
            if not hasattr(self, "orgs"):
                return
            for index, who in enumerate(self.orgs):
                listed = {e["id"]: e for e in api.all_items(who, "/api/v1/events")}
                mine = {e for e, m in self.model.items() if m["owner"] == index}
                assert set(listed) == mine, (index, sorted(listed), sorted(mine))
                for event_id in mine:
                    m = self.model[event_id]
                    assert listed[event_id]["participants"] == len(m["participants"]), (event_id, listed[event_id])
            for event_id, m in self.model.items():
                who, other = self.who(event_id), self.other(event_id)
                ids = [p["id"] for p in api.all_items(who, f"/api/v1/events/{event_id}/participants", page=100)]
                assert ids == m["participants"], (event_id, ids, m["participants"])
                locks = {(lk["left"], lk["right"]): lk["kind"] for lk in api.ok(api.get(f"/api/v1/events/{event_id}/locks", who))["items"]}
                assert locks == m["locks"], (event_id, locks, m["locks"])
                assert api.ok(api.get(f"/api/v1/events/{event_id}/jobs?limit=1", who))["total"] == m["jobs"]
                recorded = {(f["left"], f["right"]) for f in api.all_items(who, f"/api/v1/events/{event_id}/feedback")}
                alive = set(m["participants"])
                assert {k for k in m["feedback"] if set(k) <= alive} <= recorded, (m["feedback"], recorded)
                for url in (f"/api/v1/events/{event_id}", f"/api/v1/events/{event_id}/participants",
                            f"/api/v1/events/{event_id}/jobs", f"/api/v1/events/{event_id}/results"):
                    r = api.get(url, other)
                    assert r.status_code == 404 and api.slug(r) == "not-found", (url, r.status_code)

        @invariant()
        def jobs_move_forward(self) -> None:
            for job_id, (owner, event_id) in getattr(self, "jobs", {}).items():
                r = api.get(f"/api/v1/jobs/{job_id}", self.orgs[owner])
                if event_id not in self.model:
                    assert r.status_code == 404, (job_id, r.status_code)
                    continue
                job = api.ok(r)
                api.record_state(job)
                assert api.get(f"/api/v1/jobs/{job_id}", self.orgs[1 - owner]).status_code == 404

        @invariant()
        def results_are_whole(self) -> None:
            for rid, res in getattr(self, "results", {}).items():
                who = self.orgs[res["owner"]]
                summary = api.ok(api.get(f"/api/v1/results/{rid}", who))
                pairs = api.all_items(who, f"/api/v1/results/{rid}/pairs", page=100)
                assert summary["pairs"] == len(pairs), (rid, summary["pairs"], len(pairs))
                got = {(p["left_id"], p["right_id"]) for p in pairs}
                assert got == res["pairs"], rid  # a result never changes
                assert {x for pair in got for x in pair} <= res["present"], rid
                assert api.get(f"/api/v1/results/{rid}", self.orgs[1 - res["owner"]]).status_code == 404

    return ServiceMachine


def test_service_state_machine(api) -> None:  # noqa: ANN001
    machine = make_machine(api)
    # No shrinking: a failing run prints its (at most 10) steps as they are; shrinking jobs takes minutes.
    machine.TestCase.settings = settings(max_examples=8, stateful_step_count=10, deadline=None, database=None,
                                         suppress_health_check=list(HealthCheck),
                                         phases=[Phase.explicit, Phase.reuse, Phase.generate])
    run_state_machine_as_test(machine, settings=machine.TestCase.settings)
