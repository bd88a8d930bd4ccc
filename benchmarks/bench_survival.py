"""Benchmark: the Zhujiang plan's survival analyses on a synthetic analysis dataset (default 1,000,000 patients).

Times Kaplan–Meier (median, CI, KM mean, RMST) and the log-rank test for every subgroup level, the univariable Cox
model per subgroup, and the multivariable Cox model; prints wall time and the process's peak resident memory. When
``Rscript`` and R's survival package are installed, the same analyses are timed in R on the same data (written to a
temporary CSV first; reading it is not timed on either side).

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
t0 <- proc.time()[["elapsed"]]
for (v in subgroups) {
  dd <- if (v == "met_bone") d[d$distant_metastasis == 1, ] else d
  f <- as.formula(paste("Surv(pfs_months, pfs_event) ~", v))
  fit <- survfit(f, data = dd, conf.type = "log-log")
  tab <- summary(fit, rmean = "individual")$table
  sd <- survdiff(f, data = dd)
  cx <- coxph(as.formula(paste("Surv(pfs_months, pfs_event) ~ factor(", v, ")")), data = dd, ties = "efron")
}
cx <- coxph(as.formula(paste("Surv(pfs_months, pfs_event) ~", paste(multi, collapse = " + "))), data = d)
zph <- cox.zph(cx)
cat(sprintf("R survival: %.1f s\n", proc.time()[["elapsed"]] - t0))
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--patients", type=int, default=1_000_000)
    ap.add_argument("--no-r", action="store_true", help="skip the R comparison")
    args = ap.parse_args()

    from tkicohort.stats.survival_tables import multivariable_cox, pfs_by_subgroup

    data = synthetic_dataset(args.patients)
    base = peak_gb()
    t = time.perf_counter()
    table = pfs_by_subgroup(data, SUBGROUPS, rmst_horizon=24)
    t_sub = time.perf_counter() - t
    t = time.perf_counter()
    multi, _ = multivariable_cox(data, [{"variable": v} for v in MULTIVARIABLE])
    t_multi = time.perf_counter() - t
    print(f"patients: {args.patients:,}; events: {int(data['pfs_event'].sum()):,}; "
          f"subgroups: {len(SUBGROUPS)} ({len(table)} levels)")
    print(f"{'analysis':<44} {'wall s':>8}")
    print(f"{'KM + log-rank + univariable Cox, all subgroups':<44} {t_sub:>8.1f}")
    print(f"{'multivariable Cox + Schoenfeld test':<44} {t_multi:>8.1f}")
    print(f"{'total':<44} {t_sub + t_multi:>8.1f}")
    print(f"peak memory: {peak_gb():.2f} GB (of which the dataset and imports: {base:.2f} GB)")

    if not args.no_r and shutil.which("Rscript"):
        with tempfile.TemporaryDirectory() as tmp:
            csv, script = Path(tmp) / "data.csv", Path(tmp) / "bench.R"
            data.to_csv(csv, index=False)
            script.write_text(R_SCRIPT)
            res = subprocess.run(["Rscript", str(script), str(csv), ",".join(s["variable"] for s in SUBGROUPS),
                                  ",".join(MULTIVARIABLE)], capture_output=True, text=True)
            print(res.stdout.strip() or f"R failed: {res.stderr.strip()[-500:]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
