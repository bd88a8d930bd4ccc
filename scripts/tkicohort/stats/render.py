"""Journal-style renderings of the tidy tables: the only place numbers become text.

Text conventions: counts with percentages to one decimal ("8 (34.8)"); "median (95 % CI)" with "NR" for a median or
limit not reached; p-values to three decimals with "<0.001"; HR "(95 % CI)" to two decimals; "—" for not applicable.

Layout (gtsummary is the reference; :func:`printed` gives a :class:`~tkicohort.stats.printed.Printed` table):

- each arm a column headed by its name and number of patients ("sorafenib (N = 22)"); a single arm is "All patients";
- a variable or subgroup is a heading row, its levels are indented under it; a categorical variable with missing
  values gets an "Unknown" row (a count, as gtsummary prints it); a 0/1 or yes/no variable without plan labels is
  one row (the count of 1 / yes), as gtsummary's "dichotomous" type;
- labels and units instead of column names ("Survival at 6 months, % (95% CI)", not ``survival_at_6``); the model
  terms of the multivariable Cox table by their plan labels with n and events per level;
- footnotes name each test (the p-value carries its test's marker), each statistic and each note of a row.

Tables without a layout of their own are printed column by column from :func:`present`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .printed import Footnotes, Printed, html_fragment, markdown_text, to_html, to_markdown  # noqa: F401
from .qol import QLQ_C30_SCALES, SUMMARY_COLUMN

ENDPOINT_NAMES = {"pfs": "Progression-free survival", "os": "Overall survival"}
RESPONSE_NAMES = {"CR": "Complete response (CR)", "PR": "Partial response (PR)", "SD": "Stable disease (SD)",
                  "NON-CR/NON-PD": "Non-CR/non-PD", "PD": "Progressive disease (PD)", "NE": "Not evaluable (NE)"}
TEST_NAMES = {
    "t_test": "Student's t-test (pooled variance)", "welch": "Welch's t-test",
    "mann_whitney": "Wilcoxon rank-sum (Mann–Whitney) test",
    "chisq": "Pearson's χ² test without continuity correction",
    "chisq_corrected": "Pearson's χ² test with Yates' continuity correction",
    "fisher": "Fisher's exact test, two-sided",
}
SECTION_NAMES = {"rate": "Response rates"}
KM_CI = {"log-log": "log-log", "log": "log", "plain": "plain (linear)"}
NR = "NR = not reached."


def fmt_num(x, digits: int = 1, missing: str = "—") -> str:
    return missing if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.{digits}f}"


def fmt_p(p) -> str:
    if p is None or np.isnan(p):
        return "—"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def fmt_n_pct(n, pct) -> str:
    return "—" if pd.isna(n) else f"{int(n)} ({fmt_num(pct)})"


def fmt_estimate_ci(est, low, high, digits: int = 1, missing: str = "NR") -> str:
    if pd.isna(est) and pd.isna(low):
        return missing
    return f"{fmt_num(est, digits, missing)} ({fmt_num(low, digits, missing)}–{fmt_num(high, digits, missing)})"


def fmt_count(x) -> str:
    return "—" if pd.isna(x) else str(int(x))


def _key(value) -> str:
    """A level as text: 1, 1.0 and '1' alike."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return "" if pd.isna(value) else str(value)


def _capital(text: str) -> str:
    """``text`` with a leading a–z letter in capitals (a symbol such as χ stays as it is)."""
    return text[:1].upper() + text[1:] if text[:1].isascii() else text


def _text(value) -> str:
    """A text cell of a tidy table ('' for a missing value)."""
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _sentence(note) -> str:
    """A note of a tidy table as a footnote: capitalised, ending with a full stop ('' for no note)."""
    text = _text(note).strip()
    return "" if not text else _capital(text) + ("" if text.endswith(".") else ".")


def test_name(test, method=None) -> str:
    """A test's name as a footnote says it (the plan's key when it is not a known test)."""
    if not isinstance(test, str) or not test:
        return ""
    name = TEST_NAMES.get(test, test)
    if test == "mann_whitney" and isinstance(method, str) and method and method != "not estimable":
        name += f", {method}"
    return name + "."


def _first_of_group(frame: pd.DataFrame, key: str, column: pd.Series) -> pd.Series:
    """Print a per-group value (a p-value repeated on each level) only on the group's first row."""
    return column.where(~frame[key].duplicated(), "")


def _notes(frame: pd.DataFrame, column: str) -> pd.Series:
    """A text column of notes ('' where there is none, or where the table has no such column)."""
    if column not in frame:
        return pd.Series("", index=frame.index)
    return frame[column].fillna("").astype(str)


def _join_notes(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def _unit(plan: dict | None) -> str:
    return (plan or {}).get("time", {}).get("unit", "months")


def _arms(t: pd.DataFrame) -> list:
    return list(dict.fromkeys(t["arm"])) if "arm" in t else ["all"]


def arm_header(arm, n=None) -> str:
    name = "All patients" if arm == "all" else str(arm)
    return name if n is None or pd.isna(n) else f"{name} (N = {int(n)})"


def _rows(t: pd.DataFrame, **where) -> pd.DataFrame:
    keep = np.ones(len(t), dtype=bool)
    for col, value in where.items():
        keep &= (t[col] == value).to_numpy()
    return t[keep]


# ---------------------------------------------------------------------------------------------------------- baseline
DICHOTOMOUS = ({"0", "1"}, {"no", "yes"}, {"false", "true"})


def _dichotomous(levels: list, labels: list) -> str | None:
    """The level shown on one row for a 0/1, yes/no or true/false variable without plan labels, else None."""
    keys = [_key(v) for v in levels]
    if len(keys) != 2 or {k.lower() for k in keys} not in DICHOTOMOUS or list(map(str, labels)) != keys:
        return None
    return next(k for k in keys if k.lower() in ("1", "yes", "true"))


def _baseline(t: pd.DataFrame, title: str, plan: dict | None) -> Printed:
    arms, notes = _arms(t), Footnotes()
    first = t[t["variable"] == t["variable"].iloc[0]]
    sizes = {}
    for a in arms:
        r = first[first["arm"] == a].iloc[0]
        known = r["n"] if pd.isna(r["level"]) else r["denominator"]
        sizes[a] = int(known + r["missing"])
    with_p = t["test"].notna().any() and len(arms) > 1
    stats = []
    if t["level"].notna().any():
        stats.append("n (%) of the patients with a known value")
    if t["level"].isna().any():
        stats.append("mean ± SD; median (range)")
    stat_mark = notes.mark("; ".join(stats) + ".")
    header = ["Characteristic", *(f"{arm_header(a, sizes[a])}{stat_mark}" for a in arms)] + (["p"] if with_p else [])
    rows, indent = [], []

    def add(label, cells, p="", level=0):
        rows.append([label, *cells] + ([p] if with_p else []))
        indent.append(level)

    for _, g in t.groupby("variable", sort=False):
        head = g.iloc[0]
        p = ""
        if with_p and isinstance(head["test"], str):
            p = fmt_p(head["p"]) + notes.marks(test_name(head["test"], head.get("test_method")),
                                               _sentence(head.get("test_note")))
        by_arm = {a: g[g["arm"] == a] for a in arms}
        missing = [int(by_arm[a]["missing"].iloc[0]) if len(by_arm[a]) else 0 for a in arms]
        if g["level"].isna().all():
            add(head["label"], [""] * len(arms), p)
            add("Mean ± SD", [f"{fmt_num(r['mean'])} ± {fmt_num(r['sd'])}" for r in (by_arm[a].iloc[0] for a in arms)],
                level=1)
            add("Median (range)", [f"{fmt_num(r['median'])} ({fmt_num(r['min'])}–{fmt_num(r['max'])})"
                                   for r in (by_arm[a].iloc[0] for a in arms)], level=1)
        else:
            levels = list(dict.fromkeys(g["level"]))
            labels = [g.loc[g["level"] == lv, "level_label"].iloc[0] for lv in levels]
            shown = _dichotomous(levels, labels)
            if shown is not None:
                cells = []
                for a in arms:
                    r = by_arm[a][by_arm[a]["level"].map(_key) == shown].iloc[0]
                    cells.append(fmt_n_pct(r["n"], r["pct"]))
                add(head["label"], cells, p)
            else:
                add(head["label"], [""] * len(arms), p)
                for lv, lab in zip(levels, labels, strict=True):
                    cells = [fmt_n_pct(r["n"], r["pct"]) for r in
                             (by_arm[a][by_arm[a]["level"] == lv].iloc[0] for a in arms)]
                    add(str(lab), cells, level=1)
        if any(missing):
            add("Unknown", [str(m) for m in missing], level=1)
    return Printed(title, header, rows, indent, notes.lines())


# -------------------------------------------------------------------------------------------------------- efficacy
def _efficacy(t: pd.DataFrame, title: str, plan: dict | None) -> Printed:
    arms, notes, unit = _arms(t), Footnotes(), _unit(plan)
    sizes = {a: t.loc[t["arm"] == a, "denominator"].iloc[0] for a in arms}
    with_ci = t["ci_low_pct"].notna().any()
    pct_mark = notes.mark("n (%) of the patients of the response population.")
    ci_mark = notes.mark("Exact (Clopper–Pearson) 95% confidence interval, %.") if with_ci else ""
    header = ["Response"]
    for a in arms:
        header += [f"{arm_header(a, sizes[a])}{pct_mark}"] + ([f"95% CI{ci_mark}"] if with_ci else [])
    rows, indent = [], []
    is_median = t["item"].astype(str).str.startswith("median")
    items = list(dict.fromkeys(zip(t["section"], t["item"], strict=True)))
    section = None
    for sec, item in items:
        if sec != section:
            section = sec
            rows.append([SECTION_NAMES.get(sec, _capital(str(sec)))] + [""] * (len(header) - 1))
            indent.append(0)
        label = RESPONSE_NAMES.get(item, _capital(str(item)))
        cells = []
        for a in arms:
            r = t[(t["arm"] == a) & (t["section"] == sec) & (t["item"] == item)]
            if r.empty:
                cells += ["—"] + ([""] if with_ci else [])
                continue
            r = r.iloc[0]
            if is_median.loc[r.name]:
                label = f"Median duration of response, {unit}"
                note = notes.mark(f"Kaplan–Meier median among the responders (n in the row); {NR}")
                label += note
                responders = r["n"] if pd.notna(r["n"]) else 0
                cells.append(f"{fmt_num(r.get('median'), 1, 'NR')} (n = {fmt_count(responders)})" if responders
                             else "— (n = 0)")
                if with_ci:
                    cells.append(f"{fmt_num(r.get('median_ci_low'), 1, 'NR')}–"
                                 f"{fmt_num(r.get('median_ci_high'), 1, 'NR')}" if pd.notna(r.get("median_ci_low"))
                                 else "—")
            else:
                cells.append(fmt_n_pct(r["n"], r["pct"]))
                if with_ci:
                    cells.append(f"{fmt_num(r['ci_low_pct'])}–{fmt_num(r['ci_high_pct'])}"
                                 if pd.notna(r["ci_low_pct"]) else "")
        rows.append([label, *cells])
        indent.append(1)
    return Printed(title, header, rows, indent, notes.lines())


# ---------------------------------------------------------------------------------------------------- pfs_overall
def _statistic_label(statistic: str, unit: str) -> tuple[str, str]:
    """Printed label of a ``pfs_overall`` statistic and how its value is printed (count, time or percent)."""
    if statistic == "n":
        return "Patients, n", "count"
    if statistic == "events":
        return "Events, n", "count"
    if statistic == "median":
        return f"Median, {unit} (95% CI)", "time"
    if statistic.startswith("survival_at_"):
        return f"Survival at {statistic.removeprefix('survival_at_')} months, % (95% CI)", "percent"
    if statistic == "median_followup_reverse_km":
        return f"Median follow-up (reverse Kaplan–Meier), {unit}", "time"
    if statistic == "km_mean":
        return f"Kaplan–Meier mean, {unit} (95% CI)", "time"
    if statistic.startswith("rmst_"):
        return f"Restricted mean survival time to {statistic.removeprefix('rmst_')} months, {unit} (95% CI)", "time"
    return statistic, "time"


def _pfs_overall(t: pd.DataFrame, title: str, plan: dict | None) -> Printed:
    arms, notes, unit = _arms(t), Footnotes(), _unit(plan)
    rows, indent = [], []
    for endpoint in dict.fromkeys(t["endpoint"]):
        e = t[t["endpoint"] == endpoint]
        rows.append([ENDPOINT_NAMES.get(endpoint, str(endpoint).upper())] + [""] * len(arms))
        indent.append(0)
        for statistic in dict.fromkeys(e["statistic"]):
            label, kind = _statistic_label(statistic, unit)
            if statistic == "km_mean":
                label += notes.mark("Kaplan–Meier mean restricted to the largest observed time (as SPSS prints it).")
            elif statistic.startswith("rmst_"):
                label += notes.mark("Area under the Kaplan–Meier curve up to the horizon (R: rmean = τ).")
            elif statistic == "median_followup_reverse_km":
                label += notes.mark("Reverse Kaplan–Meier: censoring taken as the event.")
            cells = []
            for a in arms:
                r = e[(e["arm"] == a) & (e["statistic"] == statistic)]
                if r.empty:
                    cells.append("—")
                    continue
                v, lo, hi = r.iloc[0][["value", "ci_low", "ci_high"]]
                if kind == "count":
                    cells.append(fmt_count(v))
                elif kind == "percent":
                    cells.append(fmt_estimate_ci(100 * v, 100 * lo, 100 * hi) if pd.notna(lo) else
                                 fmt_num(100 * v, 1))
                else:
                    cells.append(fmt_estimate_ci(v, lo, hi) if pd.notna(lo) else fmt_num(v, 1, "NR"))
            rows.append([label, *cells])
            indent.append(1)
    transform = KM_CI.get((plan or {}).get("tests", {}).get("km_ci", "log-log"), "log-log")
    # an unmarked first footnote holds for the whole table
    lines = [f"Kaplan–Meier estimates; 95% confidence intervals with the {transform} transform. {NR}",
             *notes.lines()]
    return Printed(title, ["", *(arm_header(a) for a in arms)], rows, indent, lines)


# ---------------------------------------------------------------------------------------- survival by subgroup / arm
def _survival_by_subgroup(t: pd.DataFrame, title: str, plan: dict | None) -> Printed:
    """A heading row per subgroup (its log-rank test, the permutation and times tests when the table has them),
    then its levels: n, events, median, KM mean, HR. Optional columns appear only when the tidy table has them."""
    notes, unit = Footnotes(), _unit(plan)
    several = t["subgroup"].nunique() > 1
    lr = notes.mark("Log-rank test across the levels (χ² with levels − 1 degrees of freedom).")
    holm = notes.mark("Holm-adjusted across the subgroups of the table.") if several else ""
    columns = {"label": "Subgroup", "n": "n", "events": "Events", "median": f"Median, {unit} (95% CI)",
               "km_mean": f"KM mean, {unit}" + notes.mark("Kaplan–Meier mean restricted to the largest observed "
                                                           f"time of the level; {NR}"),
               "chisq": f"Log-rank χ²{lr}", "p": f"p{lr}"}
    if several:
        columns["holm"] = f"p (Holm){holm}"
    if "logrank_p_exact" in t:
        columns["exact"] = "Permutation p" + notes.mark(
            "Permutation log-rank test (R: coin::logrank_test), exact, or Monte Carlo where marked (MC).")
    hr = notes.mark("Univariable Cox model (Efron ties) of each level against the first level (reference); "
                    "Wald 95% CI and p.")
    columns.update({"hr": f"HR (95% CI){hr}", "hr_p": f"p{hr}"})
    if "times_p" in t:
        method = t["times_method"].iloc[0] if "times_method" in t else None
        mw = notes.mark(test_name("mann_whitney", method).removesuffix(".") + " of the observed times, censoring "
                        "ignored.")
        columns.update({"times": f"Median time (range), {unit}{mw}", "times_p": f"p{mw}"})
    post = t["post_baseline"].fillna(0).astype(int) == 1 if "post_baseline" in t else pd.Series(False, t.index)
    rows, indent = [], []
    for _, g in t.groupby("subgroup", sort=False):
        head = g.iloc[0]
        mark = notes.mark("Known only after treatment start: the naive HR is biased in favour of the level reached "
                          "during follow-up (guarantee time); landmark and time-dependent analyses in the "
                          "post-baseline table.") if post.loc[g.index].any() else ""
        cells = {"label": f"{head['subgroup']}{mark}", "chisq": fmt_num(head["logrank_chisq"]),
                 "p": fmt_p(head["logrank_p"]), "holm": fmt_p(head.get("logrank_p_holm"))}
        if "exact" in columns:
            monte_carlo = _text(head.get("logrank_p_method")) == "monte_carlo"
            cells["exact"] = fmt_p(head["logrank_p_exact"]) + (" (MC)" if monte_carlo else "")
        if "times_p" in columns:
            cells["times_p"] = fmt_p(head["times_p"])
        rows.append([cells.get(k, "") for k in columns])
        indent.append(0)
        for _, r in g.iterrows():
            note = _text(r["note"]).removeprefix("reference level").lstrip("; ")
            reference = _text(r["note"]).startswith("reference level")
            cells = {"label": f"{r['label']}{notes.mark(_sentence(note))}", "n": fmt_count(r["n"]),
                     "events": fmt_count(r["events"]),
                     "median": fmt_estimate_ci(r["median"], r["median_ci_low"], r["median_ci_high"]),
                     "km_mean": fmt_num(r["km_mean"]),
                     "hr": "1 (reference)" if reference else (
                         fmt_estimate_ci(r["hr"], r["hr_ci_low"], r["hr_ci_high"], 2, "—") if pd.notna(r["hr"])
                         else "not estimable"),
                     "hr_p": "" if reference else fmt_p(r["hr_p"])}
            if "times" in columns:
                cells["times"] = f"{fmt_num(r['times_median'])} ({fmt_num(r['times_min'])}–{fmt_num(r['times_max'])})"
            rows.append([cells.get(k, "") for k in columns])
            indent.append(1)
    return Printed(title, list(columns.values()), rows, indent, notes.lines())


def _by_subgroup_and_arm(t: pd.DataFrame, title: str, plan: dict | None) -> Printed:
    notes = Footnotes()
    arms = (plan or {}).get("arms") or {"reference": "reference", "treatment": "treatment"}
    ref, trt = arms["reference"], arms["treatment"]
    hr = notes.mark(f"Cox model (Efron ties) of the endpoint on the arm within the level: {trt} against {ref}; "
                    "Wald 95% CI and p.")
    inter = notes.mark("Likelihood-ratio test of arm × subgroup against arm + subgroup, on the same patients.")
    exact = "logrank_p_exact" in t
    perm = notes.mark("Permutation log-rank test of the arms within the level (R: coin::logrank_test), exact, or "
                      "Monte Carlo where marked (MC).") if exact else ""
    header = ["Subgroup", f"Patients, n ({ref} / {trt})", f"Events, n ({ref} / {trt})", f"HR (95% CI){hr}",
              f"p{hr}", *([f"Permutation p{perm}"] if exact else []), f"Interaction p{inter}"]
    rows, indent = [], []
    for _, g in t.groupby("subgroup", sort=False):
        rows.append([str(g["subgroup"].iloc[0]), "", "", "", "", *([""] if exact else []),
                     fmt_p(g["interaction_p"].iloc[0])])
        indent.append(0)
        for r in g.itertuples():
            permutation = ([fmt_p(r.logrank_p_exact) + (" (MC)" if _text(r.logrank_p_method) == "monte_carlo"
                                                         else "")] if exact else [])
            rows.append([f"{r.label}{notes.mark(_sentence(r.note))}",
                         f"{fmt_count(r.n_reference)} / {fmt_count(r.n_treatment)}",
                         f"{fmt_count(r.events_reference)} / {fmt_count(r.events_treatment)}",
                         fmt_estimate_ci(r.hr, r.hr_ci_low, r.hr_ci_high, 2, "—") if pd.notna(r.hr)
                         else "not estimable", fmt_p(r.hr_p), *permutation, ""])
            indent.append(1)
    return Printed(title, header, rows, indent, notes.lines())


# ------------------------------------------------------------------------------------------------ response tables
def _response_by_subgroup(t: pd.DataFrame, title: str, plan: dict | None) -> Printed:
    notes = Footnotes()
    adjust = ""
    header = ["Subgroup"]
    for o, name in (("dcr", "DCR"), ("orr", "ORR")):
        tests = notes.marks(*(test_name(x) for x in dict.fromkeys(t[f"{o}_test"].dropna())))
        adjust = adjust or notes.mark("Holm- and Benjamini–Hochberg-adjusted across the subgroups of the table.")
        header += [f"{name}, n/N (%)", f"p{tests}", f"p (Holm){adjust}", f"p (BH){adjust}"]
    rows, indent = [], []
    for _, g in t.groupby("subgroup", sort=False):
        head = g.iloc[0]
        cells = [str(head["subgroup"])]
        for o in ("dcr", "orr"):
            cells += ["", fmt_p(head[f"{o}_p"]) + notes.marks(_sentence(head.get(f"{o}_note"))), fmt_p(head[f"{o}_p_holm"]),
                      fmt_p(head[f"{o}_p_bh"])]
        rows.append(cells)
        indent.append(0)
        for r in g.itertuples():
            row = [str(r.label)]
            for o in ("dcr", "orr"):
                row += [f"{getattr(r, f'{o}_events')}/{getattr(r, f'n_{o}')} ({fmt_num(getattr(r, f'{o}_pct'))})",
                        "", "", ""]
            rows.append(row)
            indent.append(1)
    footnotes = ["DCR = disease control rate (CR + PR + SD); ORR = objective response rate (CR + PR)."]
    return Printed(title, header, rows, indent, footnotes + notes.lines())


def _response_by_arm(t: pd.DataFrame, title: str, plan: dict | None) -> Printed:
    arms, notes = _arms(t), Footnotes()
    sizes = {a: t.loc[t["arm"] == a, "denominator"].iloc[0] for a in arms}
    pct = notes.mark("n (%) of the patients of the response population.")
    header = ["Response", *(f"{arm_header(a, sizes[a])}{pct}" for a in arms), "p"]
    rows, indent = [], []
    for section, g in t.groupby("section", sort=False):
        head = g.iloc[0]
        p = fmt_p(head["p"]) + notes.marks(test_name(head["test"]), _sentence(head.get("note")))
        rows.append([_capital(str(section)), *[""] * len(arms), p])
        indent.append(0)
        for item in dict.fromkeys(g["item"]):
            cells = []
            for a in arms:
                r = g[(g["arm"] == a) & (g["item"] == item)]
                cells.append(fmt_n_pct(r["n"].iloc[0], r["pct"].iloc[0]) if len(r) else "—")
            rows.append([RESPONSE_NAMES.get(item, str(item)), *cells, ""])
            indent.append(1)
    return Printed(title, header, rows, indent, notes.lines())


def _adverse_events(t: pd.DataFrame, title: str, plan: dict | None) -> Printed:
    arms, notes = _arms(t), Footnotes()
    grades = [(c, label) for c, label in (("any_grade", "Any grade"), ("grade_1_2", "Grade 1–2"),
                                          ("grade_3_4", "Grade 3–4"), ("grade_5", "Grade 5")) if c in t]
    sizes = {a: t.loc[t["arm"] == a, "n_patients"].iloc[0] if (t["arm"] == a).any() else np.nan for a in arms}
    pct = notes.mark("n (%) of the treated patients, each counted once per term at the worst grade (CTCAE v5).")
    header = ["Adverse event", *(f"{arm_header(a, sizes[a])}: {label.lower()}{pct}" for a in arms
                                 for _, label in grades)]
    rows = []
    for term in dict.fromkeys(t["term"]):
        row = [str(term)]
        for a in arms:
            r = t[(t["arm"] == a) & (t["term"] == term)]
            row += [fmt_n_pct(r[c].iloc[0], r[f"{c}_pct"].iloc[0]) if len(r) else "0 (0.0)" for c, _ in grades]
        rows.append(row)
    return Printed(title, header, rows, footnotes=notes.lines())


def _scale_label(scale: str) -> str:
    labels = {s.column: s.label for s in QLQ_C30_SCALES}
    if scale in labels:
        return labels[scale]
    if scale == SUMMARY_COLUMN:
        return "Summary score"
    if scale.startswith("raw_"):
        return "Raw sum: " + scale.removeprefix("raw_").replace("_", " ")
    return scale


def _qol(t: pd.DataFrame, title: str, plan: dict | None) -> Printed:
    arms, notes = _arms(t), Footnotes()
    sizes = {a: t.loc[t["arm"] == a, "n"].max() for a in arms}
    stat = notes.mark("Median (range) of the scores (0–100 scales: a higher functioning or global score is better, "
                      "a higher symptom score is worse; raw sums as printed by the source publication).")
    tests = notes.marks(*(test_name(x, m) for x, m in dict.fromkeys(zip(t["test"], t["method"], strict=True))))
    holm = notes.mark("Holm-adjusted across the scales of the table.")
    header = ["Scale", *(f"{arm_header(a, sizes[a])}{stat}" for a in arms), f"p{tests}", f"p (Holm){holm}"]
    rows = []
    for scale, g in t.groupby("scale", sort=False):
        cells = []
        for a in arms:
            r = g[g["arm"] == a]
            if r.empty:
                cells.append("—")
                continue
            r = r.iloc[0]
            text = f"{fmt_num(r['median'])} ({fmt_num(r['min'])}–{fmt_num(r['max'])})"
            cells.append(text if r["n"] == sizes[a] else f"{text}; n = {fmt_count(r['n'])}")
        rows.append([_scale_label(str(scale)), *cells, fmt_p(g["p"].iloc[0]), fmt_p(g["p_holm"].iloc[0])])
    return Printed(title, header, rows, footnotes=notes.lines())


# -------------------------------------------------------------------------------------------- multivariable Cox
def _cox_multivariable(t: pd.DataFrame, title: str, plan: dict | None) -> Printed:
    if "hr" not in t:
        return Printed.from_frame(present("cox_multivariable", t), title)
    notes = Footnotes()
    head = t.iloc[0]
    model = notes.mark(f"Cox proportional-hazards model (Efron ties) of the {int(head['n'])} patients with "
                       f"complete data ({int(head['events'])} events); Wald 95% CI and p."
                       if head.get("method") != "firth" else
                       f"Firth-penalised Cox model of the {int(head['n'])} patients with complete data "
                       f"({int(head['events'])} events); profile-likelihood 95% CI and p.")
    ph = notes.mark("Grambsch–Therneau test of proportional hazards on scaled Schoenfeld residuals (Kaplan–Meier "
                    "transform, as R's cox.zph)" + (f"; global p = {fmt_p(head['ph_global_p'])}."
                                                    if pd.notna(head.get("ph_global_p")) else "."))
    header = ["Characteristic", "n", "Events", f"HR (95% CI){model}", f"p{model}", f"PH test p{ph}"]
    firth = "firth_hr" in t
    if firth:
        fm = notes.mark("Firth-penalised Cox model (profile-likelihood 95% CI).")
        header += [f"Firth HR (95% CI){fm}", f"Firth p{fm}"]
    labelled = "variable_label" in t
    continuous = notes.mark("Per one-unit increase.") if labelled and t["level_label"].isna().any() else ""
    rows, indent = [], []
    for variable, g in t.groupby("variable", sort=False):
        label = str(g["variable_label"].iloc[0]) if labelled else str(variable)
        ph_text = fmt_p(g["ph_p"].iloc[0]) if "ph_p" in g else "—"
        extra = ["", ""] if firth else []
        if labelled and g["level_label"].notna().all():
            r0 = g.iloc[0]
            rows.append([label, "", "", "", "", ph_text, *extra])
            rows.append([f"{r0['reference_label']}", fmt_count(r0["n_reference"]), fmt_count(r0["events_reference"]),
                         "1 (reference)", "", "", *extra])
            indent += [0, 1]
            level_rows = [(str(r["level_label"]), r) for _, r in g.iterrows()]
            level = 1
        else:
            level_rows = [(label + (continuous if labelled else ""), r) for _, r in g.iterrows()]
            level = 0
        for i, (text, r) in enumerate(level_rows):
            cells = [text, fmt_count(r.get("n_level", r["n"])), fmt_count(r.get("events_level", r["events"])),
                     fmt_estimate_ci(r["hr"], r["hr_ci_low"], r["hr_ci_high"], 2, "—"), fmt_p(r["p"]),
                     ph_text if level == 0 and i == 0 else ""]
            if firth:
                cells += [fmt_estimate_ci(r["firth_hr"], r["firth_hr_ci_low"], r["firth_hr_ci_high"], 2, "—"),
                          fmt_p(r["firth_p"])]
            rows.append(cells)
            indent.append(level)
    footnotes = notes.lines()
    warning = _text(head.get("warning"))
    if warning:
        footnotes.append(f"Warning: {warning}.")
    discrimination = _text(head.get("discrimination"))
    if discrimination:
        footnotes.append(f"Discrimination: {discrimination} (model_discrimination table).")
    return Printed(title, header, rows, indent, footnotes)


def _post_baseline(t: pd.DataFrame, title: str, plan: dict | None) -> Printed:
    """Per post-baseline subgroup and comparison: the naive, landmark and time-dependent Cox hazard ratios."""
    notes = Footnotes()
    method = {"naive": "Naive (status at day 0)" + notes.mark(
                  "Status as finally known, counted from day 0: biased by guarantee time."),
              "landmark": "Landmark" + notes.mark(
                  "Patients still at risk at the landmark, classified by their status then; time from the "
                  "landmark."),
              "time_varying": "Time-dependent Cox" + notes.mark(
                  "Extended Cox model with the status switching on the day it becomes known (counting "
                  "process, as R's tmerge + coxph).")}
    header = ["Subgroup and method", "n", "Events", "HR (95% CI)", "p"]
    rows, indent = [], []
    for _, g in t.groupby("subgroup", sort=False):
        rows.append([str(g["subgroup"].iloc[0]), "", "", "", ""])
        indent.append(0)
        for r in g.itertuples():
            landmark = f" at {r.landmark_months:g} months" if pd.notna(r.landmark_months) else ""
            comparison = f"{r.label} vs {r.reference_label}: " if "label" in t and "reference_label" in t else ""
            rows.append([f"{comparison}{method.get(r.method, r.method)}{landmark}"
                         f"{notes.mark(_sentence(r.note))}", fmt_count(r.n), fmt_count(r.events),
                         fmt_estimate_ci(r.hr, r.hr_ci_low, r.hr_ci_high, 2, "—") if pd.notna(r.hr)
                         else "not estimable", fmt_p(r.p)])
            indent.append(1)
    return Printed(title, header, rows, indent, notes.lines())


def _model_discrimination(t: pd.DataFrame, title: str, plan: dict | None) -> Printed:
    notes = Footnotes()
    names = {"harrell_c": "Harrell's C" + notes.mark("Harrell, Lee & Mark 1996 (as R's concordance)."),
             "uno_c": "Uno's C" + notes.mark("Uno et al. 2011, inverse probability of censoring weights."),
             "auc": "Time-dependent AUC" + notes.mark("Cumulative/dynamic AUC (scikit-survival).")}
    boot = notes.mark("Optimism by the bootstrap (Harrell 1996): apparent minus the mean optimism of models refitted "
                      "in resamples drawn with a fixed seed.")
    header = ["Statistic", "Apparent", f"Optimism{boot}", f"Corrected{boot}", "Resamples", "n", "Events"]
    rows = [[names.get(r.statistic, str(r.statistic)) + (f" at {r.time:g} months" if r.statistic == "auc" else "")
             + notes.mark(_sentence(r.note)), fmt_num(r.value, 3), fmt_num(r.optimism, 3), fmt_num(r.corrected, 3),
             fmt_count(r.resamples) if r.resamples else "—", fmt_count(r.n), fmt_count(r.events)]
            for r in t.itertuples()]
    model = _text(t["model"].iloc[0]) if "model" in t else ""
    return Printed(title, header, rows, [0] * len(rows), ([f"Model: {model}."] if model else []) + notes.lines())


LAYOUTS = {
    "baseline": _baseline, "efficacy": _efficacy, "pfs_overall": _pfs_overall,
    "pfs_by_subgroup": _survival_by_subgroup, "os_by_subgroup": _survival_by_subgroup,
    "pfs_by_arm": _survival_by_subgroup, "os_by_arm": _survival_by_subgroup,
    "pfs_by_subgroup_and_arm": _by_subgroup_and_arm, "os_by_subgroup_and_arm": _by_subgroup_and_arm,
    "response_by_subgroup": _response_by_subgroup, "response_by_arm": _response_by_arm,
    "adverse_events": _adverse_events, "qol": _qol, "cox_multivariable": _cox_multivariable,
    "pfs_post_baseline": _post_baseline, "os_post_baseline": _post_baseline,
    "model_discrimination": _model_discrimination,
}


def printed(name: str, table: pd.DataFrame, title: str, plan: dict | None = None) -> Printed:
    """The printed table ``name`` (see the module docstring); ``plan`` gives the time unit, the arms' roles and the
    KM CI transform that the labels and footnotes state."""
    if table.empty:
        return Printed(title, [""], [["(no rows)"]])
    if name in LAYOUTS:
        return LAYOUTS[name](table.reset_index(drop=True), title, plan)
    return Printed.from_frame(present(name, table), title)


def present(name: str, table: pd.DataFrame) -> pd.DataFrame:
    """The printed cells of a table without a layout of its own (:data:`LAYOUTS`): its columns as they are, numbers
    rounded; p-values, hazard ratios and counts by the conventions above."""
    t = table.copy()
    if t.empty:
        return pd.DataFrame({"": ["(no rows)"]})
    if name == "context":
        from .context import present_context

        return present_context(t)
    out = pd.DataFrame(index=t.index)
    for col in t.columns:
        values = t[col]
        if col == "p" or str(col).endswith("_p") or str(col).startswith("p_"):
            out[col] = values.map(fmt_p) if pd.api.types.is_numeric_dtype(values) else values.astype(str)
        elif pd.api.types.is_integer_dtype(values):
            out[col] = values.map(str)
        elif pd.api.types.is_float_dtype(values):
            out[col] = values.map(lambda v: fmt_num(v, 2, ""))
        else:
            out[col] = values.fillna("").astype(str)
    return out
