"""Benchmark: the Zhujiang plan's survival analyses on a synthetic analysis dataset (default 1,000,000 patients).

Times the two tables: Kaplan–Meier (median, CI, KM mean, RMST) and the log-rank test for every subgroup level with
the univariable Cox model per subgroup (``pfs_by_subgroup``), and the multivariable Cox model with R's cox.zph
test (``multivariable_cox``); prints wall and CPU time of each and the process's peak resident memory. When
``Rscript`` and R's survival package are installed, the same analyses are timed in R on the same data in the same
run (written to a temporary CSV first; reading it is not timed on either side). CPU time is printed because the
reference machine is shared: wall time alone varies with the load.

    python benchmarks/bench_survival.py                    # 1,000,000 patients
    python benchmarks/bench_survival.py --patients 100000 --no-r
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

SUBGROUPS = [
    {"variable": "age_ge_55", "levels": [0, 1]},
    {"variable": "sex", "levels": ["F", "M"]},
    {"variable": "histology", "levels": ["PTC", "FTC", "PTC+FTC", "PDTC"]},
    {"variable": "rai_uptake", "levels": ["yes", "no"]},
    {"variable": "distant_metastasis", "levels": [0, 1]},
    {"variable": "met_lung", "levels": [0, 1]},
    {"variable": "lung_only", "levels": [0, 1]},
    {"variable": "met_bone", "levels": [0, 1], "population": "distant_metastasis == 1"},
    {"variable": "prior_therapy", "levels": ["rai_only", "other"]},
    {"variable": "residual_lesions", "levels": ["no", "yes"]},
    {"variable": "hfs", "levels": [0, 1]},
    {"variable": "tg_response_60", "levels": [0, 1]},
    {"variable": "dose_status", "levels": ["standard", "reduced"]},
]
MULTIVARIABLE = ["age_ge_55", "met_bone", "hfs", "tg_response_60", "lung_only"]

R_SCRIPT = r"""
suppressMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
subgroups <- strsplit(args[2], ",")[[1]]
multi <- strsplit(args[3], ",")[[1]]
t0 <- proc.time()
lr <- c(); uni <- list()
for (v in subgroups) {
  dd <- if (v == "met_bone") d[d$distant_metastasis == 1, ] else d
  f <- as.formula(paste("Surv(pfs_months, pfs_event) ~", v))
  fit <- survfit(f, data = dd, conf.type = "log-log")
  tab <- summary(fit, rmean = "individual")$table
  tab24 <- summary(fit, rmean = 24)$table
  sd <- survdiff(f, data = dd)
  cx <- coxph(as.formula(paste("Surv(pfs_months, pfs_event) ~ factor(", v, ")")), data = dd, ties = "efron")
  lr <- c(lr, sd$chisq)
  uni[[v]] <- data.frame(v = v, level = levels(factor(dd[[v]]))[-1], loghr = unname(coef(cx)),
                         ref = levels(factor(dd[[v]]))[1])
}
t1 <- proc.time()
cx <- coxph(as.formula(paste("Surv(pfs_months, pfs_event) ~", paste(multi, collapse = " + "))), data = d)
zph <- cox.zph(cx)  # survival >= 3.0: the score test per term and global
t2 <- proc.time()
cpu <- function(a, b) sum((b - a)[c("user.self", "sys.self")])
cat(sprintf("%.2f %.2f %.2f %.2f\n", t1[["elapsed"]] - t0[["elapsed"]], cpu(t0, t1), t2[["elapsed"]] - t1[["elapsed"]],
            cpu(t1, t2)))
cat(sprintf("%.17g", c(lr, coef(cx), zph$table[, "chisq"])), "\n")
u <- do.call(rbind, uni)
cat(sprintf("%s %s %s %.17g\n", u$v, u$ref, u$level, u$loghr), sep = "")
"""


def synthetic_dataset(n: int, seed: int = 20231) -> pd.DataFrame:
    """Covariates with plausible prevalences; PFS from an exponential model with covariate effects, integer days."""
    rng = np.random.default_rng(seed)
    met_lung = (rng.random(n) < 0.8).astype(np.int8)
    met_bone = (rng.random(n) < 0.25).astype(np.int8)
    distant = np.maximum(met_lung, met_bone)
    frame = pd.DataFrame({
        "age_ge_55": (rng.random(n) < 0.55).astype(np.int8), "sex": rng.choice(["F", "M"], n),
        "histology": rng.choice(["PTC", "FTC", "PTC+FTC", "PDTC"], n, p=[0.7, 0.15, 0.1, 0.05]),
        "rai_uptake": rng.choice(["yes", "no"], n), "distant_metastasis": distant, "met_lung": met_lung,
        "lung_only": (met_lung & (1 - met_bone)).astype(np.int8), "met_bone": met_bone,
        "prior_therapy": rng.choice(["rai_only", "other"], n, p=[0.8, 0.2]),
        "residual_lesions": rng.choice(["no", "yes"], n), "hfs": (rng.random(n) < 0.6).astype(np.int8),
        "tg_response_60": (rng.random(n) < 0.4).astype(np.int8),
        "dose_status": rng.choice(["standard", "reduced"], n, p=[0.6, 0.4]),
    })
    hazard = 0.04 * np.exp(0.5 * met_bone - 0.4 * frame["hfs"] - 0.5 * frame["tg_response_60"])
    days = np.ceil(rng.exponential(1 / hazard) * 30.4375)
    censor = rng.integers(30, 1500, n)
    frame["pfs_event"] = (days <= censor).astype(np.int8)
    frame["pfs_months"] = np.minimum(days, censor) / 30.4375
    return frame


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def r_timings(data: pd.DataFrame) -> tuple[list[float], np.ndarray, list[tuple]] | None:
    """R's wall and CPU seconds for the two tables' analyses on the same data (reading the CSV not timed), and its
    results: log-rank χ² per subgroup, the multivariable coefficients, the cox.zph χ² per term and global, and the
    univariable log hazard ratios (subgroup, R's reference level, level, log HR)."""
    with tempfile.TemporaryDirectory() as tmp:
        csv, script = Path(tmp) / "data.csv", Path(tmp) / "bench.R"
        data.to_csv(csv, index=False)
        script.write_text(R_SCRIPT)
        res = subprocess.run(["Rscript", str(script), str(csv), ",".join(s["variable"] for s in SUBGROUPS),
                              ",".join(MULTIVARIABLE)], capture_output=True, text=True)
    try:
        lines = res.stdout.strip().splitlines()
        univariable = [(v, ref, lev, float(x)) for v, ref, lev, x in (line.split() for line in lines[2:])]
        return ([float(v) for v in lines[0].split()], np.array([float(v) for v in lines[1].split()]),
                univariable)
    except (ValueError, IndexError):
        print(f"R failed: {res.stderr.strip()[-500:]}")
        return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--patients", type=int, default=1_000_000)
    ap.add_argument("--no-r", action="store_true", help="skip the R comparison")
    args = ap.parse_args()

    from tkicohort.stats.survival_tables import multivariable_cox, pfs_by_subgroup

    data = synthetic_dataset(args.patients)
    base = peak_gb()
    timings, results = [], []
    for name, run in (("KM + log-rank + univariable Cox, all subgroups",
                       lambda: pfs_by_subgroup(data, SUBGROUPS, rmst_horizon=24)),
                      ("multivariable Cox + cox.zph test",
                       lambda: multivariable_cox(data, [{"variable": v} for v in MULTIVARIABLE]))):
        wall, cpu = time.perf_counter(), time.process_time()
        results.append(run())
        timings.append((name, time.perf_counter() - wall, time.process_time() - cpu))
    levels = len(results[0])
    print(f"patients: {args.patients:,}; events: {int(data['pfs_event'].sum()):,}; "
          f"subgroups: {len(SUBGROUPS)} ({levels} levels)")
    r = None if args.no_r or not shutil.which("Rscript") else r_timings(data)
    r_times = None if r is None else r[0]
    print(f"{'analysis':<48} {'wall s':>8} {'CPU s':>8} {'R wall s':>9} {'R CPU s':>8}")
    for i, (name, wall, cpu) in enumerate(timings):
        in_r = "" if r_times is None else f"{r_times[2 * i]:>9.1f} {r_times[2 * i + 1]:>8.1f}"
        print(f"{name:<48} {wall:>8.1f} {cpu:>8.1f} {in_r}")
    total = "" if r_times is None else f"{r_times[0] + r_times[2]:>9.1f} {r_times[1] + r_times[3]:>8.1f}"
    print(f"{'total':<48} {sum(t[1] for t in timings):>8.1f} {sum(t[2] for t in timings):>8.1f} {total}")
    print(f"peak memory: {peak_gb():.2f} GB (of which the dataset and imports: {base:.2f} GB)")
    if r is not None:
        table, (multi, _) = results
        first = table.drop_duplicates("subgroup")
        ph = multi.drop_duplicates("variable")
        ours = np.concatenate([first["logrank_chisq"], multi["coef"], [*ph["ph_chisq"],
                                                                           multi["ph_global_chisq"].iloc[0]]])
        hr = {(row.variable, str(row.level)): row.hr for row in table.itertuples()}
        log_hr = np.array([np.log(hr[v, lev] / hr[v, ref]) for v, ref, lev, _ in r[2]])
        r_log_hr = np.array([x for *_, x in r[2]])
        print("largest difference from R: log-rank χ², multivariable coefficients and cox.zph χ² "
              f"{np.max(np.abs(ours - r[1]) / np.abs(r[1])):.1e} (relative); univariable log HR "
              f"{np.max(np.abs(log_hr - r_log_hr)):.1e} (absolute)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
