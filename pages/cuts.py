"""结果应用: next year's budget cuts of low scorers. The adopted scenario's ledger (压减明细) with its charts and
totals; the what-if (模拟测算): change percentages, the execution-rate threshold and exemptions, see everything
recomputed without saving, save as a named scenario; scenarios side by side and the adoption (绩效办); next year's
requests (下年预算申报数), imported from a sheet or entered per unit."""

import time

import pandas as pd
import streamlit as st

from present import cuts as view
from present import format as fmt
from present import strings as s
from store.access import ADMIN, CUT
from ui import cuts_view, data, requests_view, widgets

ctx = widgets.page_start(s.CUTS_TITLE, s.CUTS_CAPTION)
year, units, version, viewer = ctx.year, ctx.units, ctx.version, ctx.viewer
base_rules = data.default_cut_rules()
if base_rules.sample_parameters:
    st.caption(s.CUTS_SAMPLE_RULES)

_FLASH = "cuts_flash"  # session_state: what the last save or adoption said, shown once after the rerun
flash = st.session_state.pop(_FLASH, None)
if flash:
    st.success(flash)
adopted, adopted_ledger = data.adopted_cuts(year, units, version)
ledger_tab, whatif_tab, compare_tab, requests_tab = st.tabs(
    [s.CUTS_TAB_LEDGER, s.CUTS_TAB_WHATIF, s.CUTS_TAB_COMPARE, s.CUTS_TAB_REQUESTS])

with ledger_tab:
    if adopted is None:
        st.info(s.CUTS_NONE_ADOPTED.format(year=year))
    else:
        st.markdown(s.CUTS_ADOPTED.format(name=adopted.name, who=adopted.adopted_by,
                                          at=f"{adopted.adopted_at:%Y-%m-%d %H:%M}"))
        scenarios = data.cut_scenarios(year, version)
        mine = scenarios[scenarios["scenario_id"] == adopted.scenario_id]
        if len(mine) and int(mine.iloc[0]["data_version"]) != data.cuts_inputs_version():
            st.warning(s.CUTS_STALE)
        cuts_view.show(ctx, adopted_ledger, data.scenario_rules(adopted.scenario_id), key="adopted")

with whatif_tab:
    lines = data.cut_lines(year, version)
    if not any(line.request is not None for line in lines):
        st.info(s.CUTS_NO_REQUESTS.format(year=year))
    else:
        st.caption(s.WHATIF_INTRO)
        editable = view.editable_rules(base_rules)
        pcts: dict[str, float] = {}
        for column, rule in zip(st.columns(len(editable)), editable, strict=True):
            pcts[rule.id] = column.number_input(s.WHATIF_PCT_LABEL.format(rule=view.tier_label(rule, rule.id)), 0.0,
                                                100.0, float(rule.cut_pct), step=1.0, format="%.2f",
                                                key=f"whatif_pct_{year}_{rule.id}", help=rule.description)
        with st.expander(s.WHATIF_RULES):
            st.dataframe(view.rule_table(base_rules), hide_index=True, width="stretch")
            st.dataframe(view.other_rules_table(base_rules), hide_index=True, width="stretch")
        rate_rule = view.rate_rule(base_rules)
        c1, c2, c3 = st.columns([2, 2, 3])
        rate = None
        if rate_rule is not None and rate_rule.when.execution_rate_below is not None:
            rate = c1.number_input(s.WHATIF_RATE.format(rule=rate_rule.id), 0.0, 100.0,
                                   float(rate_rule.when.execution_rate_below), step=5.0, key=f"whatif_rate_{year}")
        exempt_individual = c2.toggle(s.WHATIF_EXEMPT_INDIVIDUAL, base_rules.exempt_individual,
                                      key=f"whatif_individual_{year}")
        choices = sorted({line.label for line in lines if line.project_id})
        exempt_projects = c3.multiselect(s.WHATIF_EXEMPT_PROJECTS, choices,
                                         [p for p in base_rules.exempt_projects if p in choices],
                                         key=f"whatif_projects_{year}", placeholder=s.CUT_NO_VALUE)
        settings, changes = view.edited_data(base_rules, pcts, rate, exempt_individual, exempt_projects)
        try:
            rules = data.cut_rules.rules_from_data(settings, s.CUTS_TAB_WHATIF)
        except data.RuleError as exc:
            st.error(s.WHATIF_INVALID.format(message=exc.message))
            st.stop()
        started = time.perf_counter()
        ledger = data.what_if(rules, year, version)
        frame = data.cut_ledger_frame(ledger, units)
        st.caption((s.WHATIF_CHANGED.format(changes=changes) if changes else s.WHATIF_UNCHANGED) + "　"
                   + s.WHATIF_SECONDS.format(ms=round((time.perf_counter() - started) * 1000), rows=len(ledger.rows)))
        cuts_view.show(ctx, frame, rules, key="whatif", against=adopted_ledger if adopted is not None else None)
        if viewer.role == ADMIN:
            with st.form("whatif_save", clear_on_submit=True):
                name = st.text_input(s.WHATIF_SAVE_NAME, max_chars=40, placeholder=changes[:40] or None)
                if st.form_submit_button(s.WHATIF_SAVE, type="primary"):
                    try:
                        data.save_cut_scenario(viewer, year, name, rules, changes or s.WHATIF_UNCHANGED, ledger)
                    except data.CutsError as exc:
                        st.error(str(exc))
                    else:
                        st.session_state[_FLASH] = s.WHATIF_SAVED.format(name=" ".join(name.split()))
                        st.rerun()
        elif viewer.may(CUT):
            st.caption(s.WHATIF_SAVE_ADMIN_ONLY)

with compare_tab:
    scenarios = data.cut_scenarios(year, version)
    if scenarios.empty:
        st.info(s.COMPARE_NONE.format(year=year))
    else:
        st.subheader(s.COMPARE_SCENARIOS)
        listed = pd.DataFrame({
            s.COL_SCENARIO: scenarios["name"], s.COL_SCENARIO_CHANGES: scenarios["changes"],
            s.CUT_REQUESTED: scenarios["requested"], s.CUT_TOTAL: scenarios["cut"], s.CUT_ARRANGED: scenarios["arranged"],
            s.COL_SCENARIO_BY: scenarios["created_by_name"],
            s.COL_SCENARIO_AT: scenarios["created_at"].map(lambda t: f"{t:%Y-%m-%d %H:%M}"),
            s.COL_SCENARIO_ADOPTED: scenarios["adopted"].map(lambda a: "✓" if a else "")})
        widgets.table_with_downloads(ctx, listed, s.COMPARE_SCENARIOS)
        names = list(scenarios["name"])
        picked = st.multiselect(s.COMPARE_PICK, names, names[-3:], key=f"compare_pick_{year}")
        if picked:
            ids = dict(zip(scenarios["name"], scenarios["scenario_id"], strict=True))
            ledgers = {name: data.scenario_ledger(int(ids[name]), units, version) for name in picked}
            widgets.table_with_downloads(ctx, view.compare_table(scenarios, ledgers), s.COMPARE_TABLE)
        if viewer.role == ADMIN:
            with st.form("compare_adopt"):
                chosen = st.selectbox(s.COMPARE_ADOPT_PICK, names, index=len(names) - 1)
                note = st.text_input(s.COMPARE_ADOPT_NOTE, max_chars=200)
                if st.form_submit_button(s.COMPARE_ADOPT, type="primary"):
                    scenario_id = int(scenarios.loc[scenarios["name"] == chosen, "scenario_id"].iloc[0])
                    try:
                        data.adopt_cut_scenario(viewer, scenario_id, note)
                    except data.CutsError as exc:
                        st.error(str(exc))
                    else:
                        st.session_state[_FLASH] = s.COMPARE_ADOPTED.format(name=chosen)
                        st.rerun()
        history = data.cut_adoptions(year)
        if len(history):
            st.subheader(s.COMPARE_HISTORY)
            st.dataframe(pd.DataFrame({
                s.COL_ADOPTED_AT: history["adopted_at"].map(lambda t: f"{t:%Y-%m-%d %H:%M:%S}"),
                s.COL_ADOPTED_BY: history["adopted_by_name"], s.COL_SCENARIO: history["name"],
                s.CUT_TOTAL: history["cut"].map(fmt.wan), s.COL_ADOPT_NOTE: history["note"]}),
                hide_index=True, width="stretch")

with requests_tab:
    requests_view.show(ctx)
