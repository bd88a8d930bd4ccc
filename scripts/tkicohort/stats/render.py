"""Journal-style renderings (Markdown and self-contained HTML) of the tidy tables.

Only here are numbers turned into text: counts with percentages to one decimal, "median (95 % CI)" with "NR" for a
median (or limit) not reached, p-values to three decimals with "<0.001", HR "(95 % CI)", "—" for not applicable.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd


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


def present(name: str, table: pd.DataFrame) -> pd.DataFrame:
    """The printed form of a tidy table (strings)."""
    t = table.copy()
    if t.empty:
        return pd.DataFrame({"": ["(no rows)"]})
    if name in ("pfs_by_subgroup", "pfs_by_arm", "os_by_subgroup", "os_by_arm"):
        endpoint = name.split("_", 1)[0].upper()
        reference = t["note"].astype(str).str.startswith("reference level")
        hr = [("1 (reference)" if is_ref else
               fmt_estimate_ci(r.hr, r.hr_ci_low, r.hr_ci_high, 2, "—") if pd.notna(r.hr) else "not estimable")
              for r, is_ref in zip(t.itertuples(), reference, strict=True)]
        exact = [f"{fmt_p(p)}{' (MC)' if m == 'monte_carlo' else ''}" if pd.notna(p) else "—"
                 for p, m in zip(t["logrank_p_exact"], t["logrank_p_method"], strict=True)]
        post = t["post_baseline"].fillna(0).astype(int) == 1 if "post_baseline" in t else pd.Series(False, t.index)
        out = pd.DataFrame({
            "Subgroup": _first_of_group(t, "subgroup", t["subgroup"].where(~post, t["subgroup"] + " †")),
            "Level": t["label"],
            "n": t["n"].astype(int), "Events": t["events"].astype(int),
            f"Median {endpoint} (95% CI)": [fmt_estimate_ci(*v) for v in zip(t["median"], t["median_ci_low"],
                                                                       t["median_ci_high"], strict=True)],
            "KM mean": t["km_mean"].map(fmt_num), "Log-rank χ²": _first_of_group(t, "subgroup",
                                                                                t["logrank_chisq"].map(fmt_num)),
            "p": _first_of_group(t, "subgroup", t["logrank_p"].map(fmt_p)),
            "p (Holm)": _first_of_group(t, "subgroup", t["logrank_p_holm"].map(fmt_p)),
            "Permutation p": _first_of_group(t, "subgroup", pd.Series(exact, index=t.index)),
            "HR (95% CI)": hr, "HR p": t["hr_p"].map(fmt_p),
            "Note": t["note"].astype(str).str.replace(r"^reference level(; )?", "", regex=True)})
        if "times_p" in t:
            out["Times median (range)"] = [f"{fmt_num(m)} ({fmt_num(lo)}–{fmt_num(hi)})" for m, lo, hi in
                                           zip(t["times_median"], t["times_min"], t["times_max"], strict=True)]
            out["Mann–Whitney p (times)"] = _first_of_group(t, "subgroup", t["times_p"].map(fmt_p))
        return out
    if name in ("pfs_post_baseline", "os_post_baseline"):
        method = {"naive": "Naive (status at day 0)", "landmark": "Landmark", "time_varying": "Time-dependent Cox"}
        return pd.DataFrame({
            "Subgroup": _first_of_group(t, "subgroup", t["subgroup"]),
            "Comparison": [f"{lev} vs {ref}" for lev, ref in zip(t["label"], t["reference_label"], strict=True)],
            "Method": [method.get(m, m) + (f" at {lm:g} months" if pd.notna(lm) else "")
                       for m, lm in zip(t["method"], t["landmark_months"], strict=True)],
            "n": t["n"].map(lambda v: fmt_num(v, 0)), "Events": t["events"].map(lambda v: fmt_num(v, 0)),
            "HR (95% CI)": [fmt_estimate_ci(h, lo, hi, 2, "—") if pd.notna(h) else "not estimable"
                            for h, lo, hi in zip(t["hr"], t["hr_ci_low"], t["hr_ci_high"], strict=True)],
            "p": t["p"].map(fmt_p), "Note": t["note"]})
    if name.endswith("_by_subgroup_and_arm"):
        hr = [fmt_estimate_ci(r.hr, r.hr_ci_low, r.hr_ci_high, 2, "—") if pd.notna(r.hr) else "not estimable"
              for r in t.itertuples()]
        return pd.DataFrame({
            "Subgroup": _first_of_group(t, "subgroup", t["subgroup"]), "Level": t["label"],
            "n (reference / treatment)": [f"{a} / {b}" for a, b in zip(t["n_reference"], t["n_treatment"],
                                                                       strict=True)],
            "Events (reference / treatment)": [f"{a} / {b}" for a, b in zip(t["events_reference"],
                                                                            t["events_treatment"], strict=True)],
            "HR (95% CI), treatment vs reference": hr, "HR p": t["hr_p"].map(fmt_p),
            **({"Permutation log-rank p": [f"{fmt_p(p)}{' (MC)' if m == 'monte_carlo' else ''}"
                                           if pd.notna(p) else "—"
                                           for p, m in zip(t["logrank_p_exact"], t["logrank_p_method"],
                                                           strict=True)]} if "logrank_p_exact" in t else {}),
            "Interaction p": _first_of_group(t, "subgroup", t["interaction_p"].map(fmt_p)), "Note": t["note"]})
    if name == "response_by_subgroup":
        out = pd.DataFrame({"Subgroup": _first_of_group(t, "subgroup", t["subgroup"]), "Level": t["label"]})
        for o in ("dcr", "orr"):
            out[f"{o.upper()} n (%)"] = [f"{e}/{n} ({fmt_num(p)})" for e, n, p in
                                        zip(t[f"{o}_events"], t[f"n_{o}"], t[f"{o}_pct"], strict=True)]
            out[f"{o.upper()} p"] = _first_of_group(t, "subgroup", t[f"{o}_p"].map(fmt_p))
            out[f"{o.upper()} p (Holm)"] = _first_of_group(t, "subgroup", t[f"{o}_p_holm"].map(fmt_p))
            out[f"{o.upper()} p (BH)"] = _first_of_group(t, "subgroup", t[f"{o}_p_bh"].map(fmt_p))
        notes = [_join_notes(f"DCR: {d}" if d else "", f"ORR: {o}" if o else "")
                 for d, o in zip(_notes(t, "dcr_note"), _notes(t, "orr_note"), strict=True)]
        out["Note"] = _first_of_group(t, "subgroup", pd.Series(notes, index=t.index))
        return out
    if name == "efficacy":
        median = t["median"] if "median" in t else pd.Series(np.nan, index=t.index)
        is_median = t["item"].astype(str).str.startswith("median")
        return pd.DataFrame({"Arm": t["arm"], "Section": t["section"], "Item": t["item"],
                             "n (%)": [str(int(n)) if m else fmt_n_pct(n, p)
                                       for n, p, m in zip(t["n"], t["pct"], is_median, strict=True)],
                             "95% CI (%)": [f"{fmt_num(lo)}–{fmt_num(hi)}" if pd.notna(lo) else ""
                                            for lo, hi in zip(t["ci_low_pct"], t["ci_high_pct"], strict=True)],
                             "Median (95% CI)": [fmt_estimate_ci(v, lo, hi) if m else "" for v, lo, hi, m in
                                                 zip(median, t.get("median_ci_low", median),
                                                     t.get("median_ci_high", median), is_median, strict=True)]})
    if name == "adverse_events":
        out = pd.DataFrame({"Arm": t["arm"], "Adverse event": t["term"]})
        for col, label in (("grade_1_2", "Grade 1–2"), ("grade_3_4", "Grade 3–4"), ("grade_5", "Grade 5"),
                           ("any_grade", "Any grade")):
            if col in t:
                out[f"{label} n (%)"] = [fmt_n_pct(n, p) for n, p in zip(t[col], t[f"{col}_pct"], strict=True)]
        return out
    if name == "pfs_overall":
        return pd.DataFrame({"Arm": t["arm"], "Endpoint": t["endpoint"].str.upper(), "Statistic": t["statistic"],
                             "Value (95% CI)": [fmt_num(v, 0) if s in ("n", "events") else
                                                fmt_estimate_ci(v, lo, hi, 2 if "survival_at" in s else 1)
                                                if pd.notna(lo) else fmt_num(v, 1, "NR")
                                                for s, v, lo, hi in zip(t["statistic"], t["value"], t["ci_low"],
                                                                        t["ci_high"], strict=True)]})
    if name == "cox_multivariable":
        if "hr" not in t:
            return t.astype(str)
        out = pd.DataFrame({"Term": t["term"], "HR (95% CI)": [fmt_estimate_ci(h, lo, hi, 2, "—") for h, lo, hi in
                                                              zip(t["hr"], t["hr_ci_low"], t["hr_ci_high"],
                                                                  strict=True)],
                            "p": t["p"].map(fmt_p)})
        if "firth_hr" in t:
            out["Firth HR (profile 95% CI)"] = [fmt_estimate_ci(h, lo, hi, 2, "—") for h, lo, hi in
                                                zip(t["firth_hr"], t["firth_hr_ci_low"], t["firth_hr_ci_high"],
                                                    strict=True)]
            out["Firth p"] = t["firth_p"].map(fmt_p)
        # R's cox.zph score test: one per variable (printed on its first row), then the global test
        out["PH test p (df)"] = _first_of_group(t, "variable", pd.Series(
            [f"{fmt_p(p)} ({fmt_num(df, 0)})" if pd.notna(p) else "" for p, df in
             zip(t["ph_p"], t["ph_df"], strict=True)], index=t.index))
        out["PH global p"] = [fmt_p(t["ph_global_p"].iloc[0]) if i == 0 else "" for i in range(len(t))]
        out["Events per variable"], out["Warning"] = t["epv"].map(fmt_num), t["warning"]
        if "discrimination" in t:
            out["Discrimination"] = [str(t["discrimination"].fillna("").iloc[0]) if i == 0 else ""
                                     for i in range(len(t))]
        return out
    if name == "model_discrimination":
        label = {"harrell_c": "Harrell's C", "uno_c": "Uno's C", "auc": "Time-dependent AUC"}
        return pd.DataFrame({
            "Statistic": [label.get(s, s) + (f" at {tm:g} months" if s == "auc" else "")
                          for s, tm in zip(t["statistic"], t["time"], strict=True)],
            "Apparent": t["value"].map(lambda v: fmt_num(v, 3)),
            "Optimism": t["optimism"].map(lambda v: fmt_num(v, 3)),
            "Corrected": t["corrected"].map(lambda v: fmt_num(v, 3)),
            "Bootstrap resamples": t["resamples"].map(lambda v: fmt_num(v, 0) if v else "—"),
            "n": t["n"], "Events": t["events"], "Note": t["note"].fillna("")})
    if name == "baseline":
        value = []
        for r in t.itertuples():
            if pd.isna(r.level):
                value.append(f"{fmt_num(r.mean)} ± {fmt_num(r.sd)}; {fmt_num(r.median)} ({fmt_num(r.min)}–"
                             f"{fmt_num(r.max)})")
            else:
                value.append(fmt_n_pct(r.n, r.pct))
        return pd.DataFrame({"Characteristic": _first_of_group(t, "variable", t["label"]),
                             "Level": t["level_label"].fillna("mean ± SD; median (range)"), "Arm": t["arm"],
                             "Value": value, "Test": t["test"].fillna(""), "p": t["p"].map(fmt_p),
                             "Note": _first_of_group(t, "variable", _notes(t, "test_note"))})
    if name == "response_by_arm":
        return pd.DataFrame({"Section": t["section"], "Item": t["item"], "Arm": t["arm"],
                             "n (%)": [fmt_n_pct(n, p) for n, p in zip(t["n"], t["pct"], strict=True)],
                             "Test": t["test"], "p": t["p"].map(fmt_p),
                             "Note": _first_of_group(t, "section", _notes(t, "note"))})
    if name == "context":
        from .context import present_context

        return present_context(t)
    if name == "qol":
        return pd.DataFrame({"Scale": _first_of_group(t, "scale", t["scale"]), "Arm": t["arm"], "n": t["n"],
                             "Median (range)": [f"{fmt_num(m)} ({fmt_num(lo)}–{fmt_num(hi)})" for m, lo, hi in
                                                zip(t["median"], t["min"], t["max"], strict=True)],
                             "Mann–Whitney p": _first_of_group(t, "scale", t["p"].map(fmt_p)),
                             "p (Holm)": _first_of_group(t, "scale", t["p_holm"].map(fmt_p))})
    return t.astype(str)


#: Characters with a meaning in Markdown (emphasis, code, links, images, tables, escapes).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|!#~])")
#: What could start raw HTML in a Markdown viewer: ``<`` before a tag name, ``/``, ``!`` or ``?``, and ``&`` starting
#: an entity. "< 6 months" and "<0.001" stay as they are.
_HTML_START = re.compile(r"<(?=[A-Za-z/!?])|&(?=#?\w+;)")


def markdown_text(value) -> str:
    """``value`` as literal Markdown text on one line: markup characters escaped, the start of a tag or an entity
    written as an entity, line breaks as spaces. Labels and levels come from other people's plans and data files."""
    text = re.sub(r"[\r\n]+", " ", str(value))
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return _HTML_START.sub(lambda m: "&lt;" if m.group() == "<" else "&amp;", text)


def to_markdown(frame: pd.DataFrame, title: str) -> str:
    header = "| " + " | ".join(markdown_text(c) for c in frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    body = ["| " + " | ".join(markdown_text(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([f"## {markdown_text(title)}", "", header, rule, *body, ""])


def to_html(frame: pd.DataFrame, title: str) -> str:
    style = ("body{font-family:Helvetica,Arial,sans-serif;font-size:13px;margin:1.5em}"
             "table{border-collapse:collapse}th,td{padding:3px 9px;text-align:left}"
             "thead th{border-top:2px solid #000;border-bottom:1px solid #000}"
             "tbody tr:last-child td{border-bottom:2px solid #000}")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{style}</style></head><body><h2>{html.escape(title)}</h2>\n"
            f"{frame.to_html(index=False, escape=True, border=0)}\n</body></html>\n")
