"""Issue 7, "Many users at once": bench/load_test.py's scenario with 16 sessions in one headless Chromium against
`streamlit run` on 127.0.0.1 — every session opens the dashboard after a fresh start and all press 登录 at the
same moment, readers browse and filter, two units import at the same moment, two 绩效办 rename the same account
at the same moment — then no error on any page and exact totals in the database. Page times are printed, never
asserted. The first two regressions it found: after a restart, a sign-in form drawn before anyone had signed in
lost its first submission; a save on 账户管理 went to another account once someone else had renamed the picked
one. (tests/test_load.py is the importer's: loading files into the store.)"""

from collections import Counter

import pytest

from bench import load_test
from store import audit
from store.access import ADMIN, BUDGET, READER, UNIT

SESSIONS = 16
RUN_LIMIT_S = 420  # the whole run: accounts, server, sessions, checks (140–170 s on a quiet 2-core machine); a bound, not a speed check


@pytest.mark.browser
def test_sixteen_sessions_at_once_leave_exact_totals_and_no_error(sample_db_path, tmp_path):
    result = load_test.run_once(SESSIONS, sample_db_path, RUN_LIMIT_S, tmp_path / "run")  # copies the sample
    print()
    print(load_test.Report([result]).text())
    assert not result.errors, "\n".join(result.errors)
    assert not result.failures, "\n".join(result.failures)
    assert len(result.times["sign in → 总览"]) == SESSIONS
    assert len(result.times["import (2 units at once)"]) == 2 and len(result.times["save account (2 at once)"]) == 2
    assert len(result.times["save review (2 at once)"]) == 2


def test_the_cast_of_sixteen_sessions():
    people = load_test.cast(SESSIONS)
    sessions = [p for p in people if p.walk]
    assert len(sessions) == SESSIONS and people[0].role == ADMIN  # the first real account must be 绩效办
    assert Counter(p.role for p in sessions) == {READER: 8, ADMIN: 5, UNIT: 2, BUDGET: 1}  # 2 edits × 2 绩效办
    assert {p.units for p in sessions if p.role == UNIT} == {("214001",), ("221001",)}
    assert [p.username for p in people if not p.walk] == ["lt_target"]  # the account the two editors rename
    trail = load_test.expected_trail(people)
    assert sum(n for (_, action, _), n in trail.items() if action == audit.SIGN_IN) == SESSIONS
    assert sum(trail.values()) == SESSIONS + 2 + 2 + 2  # sign-ins, imports, account changes, reviews
    assert trail[(load_test.ANY_EDITOR, audit.REVIEW_SET, audit.OK)] == 1
    assert trail[(load_test.ANY_EDITOR, audit.REVIEW_SET, audit.FAILED)] == 1
    with pytest.raises(load_test.LoadTestError, match="at least 8"):
        load_test.cast(7)


def test_percentiles_are_the_median_and_the_nearest_rank():
    times = [float(t) for t in range(1, 21)]
    assert load_test.p95(times) == 19.0 and load_test.p95([3.0]) == 3.0
    report = load_test.Report([load_test.RunResult(16, 10.0, 12.0, {"a": times, "b": [100.0]}, [], [], ["ok"],
                                                   load_test.ROOT)])
    rows = report.table().splitlines()
    assert rows[2] == "| a | 20 × 1 | 10.50 | 19.00 | 20.00 |"
    assert rows[-1] == "| **every step** | 21 × 1 | **11.00** | **20.00** | 100.00 |"


def test_the_results_section_is_replaced_and_the_rest_of_the_file_kept(tmp_path):
    path = tmp_path / "RESULTS.md"
    path.write_text("# Scale benchmark results\n\nfigures\n", encoding="utf-8")
    section = f"{load_test.SECTION_START}\n## Load test\n\nfirst\n{load_test.SECTION_END}\n"
    load_test.write_section(path, section)
    load_test.write_section(path, section.replace("first", "second"))
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Scale benchmark results\n\nfigures\n\n")
    assert text.count(load_test.SECTION_START) == 1 and "second" in text and "first" not in text
