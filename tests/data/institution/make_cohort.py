"""Writes the synthetic institution cohort of this folder (40 patients, seeded; run from anywhere:
``python tests/data/institution/make_cohort.py``). Not patient data.

Its post-baseline variables differ from the default cohorts': a grade ≥ 3 adverse event of any term, a dose reduction
recorded in doses.csv, and the confirmed objective response (the plan requires confirmation). The events are drawn
so that patients followed longer have more time to have them: the naive comparison is biased by guarantee time.
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent


def main() -> None:
    rng = np.random.default_rng(2031)
    n = 40
    ids = [f"IN{i:02d}" for i in range(1, n + 1)]
    pfs = np.maximum(30, np.round(rng.exponential(240, n))).astype(int)
    progressed = rng.random(n) < 0.75
    follow = pfs + np.where(progressed, np.round(rng.exponential(200, n)), 0).astype(int)
    death = progressed & (rng.random(n) < 0.5)
    patients = pd.DataFrame({
        "patient_id": ids, "arm": "sorafenib", "age_years": rng.integers(35, 80, n),
        "sex": rng.choice(["F", "M"], n), "followup_days": follow, "death": death.astype(int),
        "death_day": np.where(death, follow, -1)})
    patients["death_day"] = patients["death_day"].astype(object).where(death, "")
    visits, responses = [], []
    for i, pid in enumerate(ids):
        days = list(range(56, pfs[i] + 1, 56))
        if not progressed[i] and (not days or days[-1] != pfs[i]):
            days.append(pfs[i])
        responder = rng.random() < 0.4
        for k, day in enumerate(days):
            last = k == len(days) - 1
            if last and progressed[i]:
                resp = "PD"
            elif responder and k >= 1:
                resp = "PR"
            else:
                resp = "SD"
            responses.append((pid, day, resp))
        if progressed[i] and not days:
            responses.append((pid, pfs[i], "PD"))
        visits.append(days)
    ae_rows, dose_rows = [], []
    for i, pid in enumerate(ids):
        onset = int(rng.integers(10, 300))
        if onset < follow[i] and rng.random() < 0.6:
            ae_rows.append((pid, rng.choice(["Diarrhea", "Hypertension", "Fatigue"]), 3, onset))
        ae_rows.append((pid, "Alopecia", 1, int(rng.integers(5, 60))))
        dose_rows.append((pid, 0, 800, "start"))
        reduce = int(rng.integers(20, 250))
        if reduce < follow[i] and rng.random() < 0.5:
            dose_rows.append((pid, reduce, 400, "toxicity"))
    pd.DataFrame(responses, columns=["patient_id", "day", "overall_response"]).to_csv(HERE / "responses.csv",
                                                                                      index=False)
    patients.to_csv(HERE / "patients.csv", index=False)
    pd.DataFrame(ae_rows, columns=["patient_id", "term", "grade", "onset_day"]).assign(end_day="").to_csv(
        HERE / "adverse_events.csv", index=False)
    pd.DataFrame(dose_rows, columns=["patient_id", "day", "dose_mg_per_day", "reason"]).to_csv(HERE / "doses.csv",
                                                                                               index=False)


if __name__ == "__main__":
    main()
