# Reference values for the reconstructed DECISION and Luo et al. 2014 cohorts, from R's survival package.
# Run: Rscript make_seeds_reference.R   (writes the CSV files beside this script; CI does not need R)
#
# Data: the columns the survival tables use, copied from results/<cohort>/analysis/patients.csv of a default run
# (decision.csv: arm, PFS in days and its event; luo.csv: PFS and OS in days and their events). Times in days on
# both sides; months = days / 30.4375, weeks = days / 7. The test checks that the pipeline still derives these
# columns from the committed cohort files, then compares its tables with the values below.
suppressMessages(library(survival))
options(digits = 17)

if (!file.exists("decision.csv")) {
  de <- read.csv("../../../results/decision/analysis/patients.csv", stringsAsFactors = FALSE)
  write.csv(data.frame(patient_id = de$patient_id, arm = de$arm, pfs_days = de$pfs_days, pfs_event = de$pfs_event),
            "decision.csv", row.names = FALSE, na = "")
}
if (!file.exists("luo.csv")) {
  lu <- read.csv("../../../results/luo_2014/analysis/patients.csv", stringsAsFactors = FALSE)
  write.csv(data.frame(patient_id = lu$patient_id, pfs_days = lu$pfs_days, pfs_event = lu$pfs_event,
                       os_days = lu$os_days, os_event = lu$os_event),
            "luo.csv", row.names = FALSE, na = "")
}

median_row <- function(fit, label) {
  s <- summary(fit)$table
  data.frame(quantity = label, value = unname(s["median"]), ci_low = unname(s["0.95LCL"]),
             ci_high = unname(s["0.95UCL"]), p = NA)
}

de <- read.csv("decision.csv", stringsAsFactors = FALSE)
de$months <- de$pfs_days / 30.4375
de$sorafenib <- as.integer(de$arm == "sorafenib")
rows <- list()
for (a in c("placebo", "sorafenib")) {
  fit <- survfit(Surv(months, pfs_event) ~ 1, data = de[de$arm == a, ], conf.type = "log-log")
  rows[[length(rows) + 1]] <- median_row(fit, paste0("decision_pfs_median_", a))
}
lr <- survdiff(Surv(months, pfs_event) ~ arm, data = de)
rows[[length(rows) + 1]] <- data.frame(quantity = "decision_logrank", value = lr$chisq, ci_low = NA, ci_high = NA,
                                       p = 1 - pchisq(lr$chisq, 1))
cx <- summary(coxph(Surv(months, pfs_event) ~ sorafenib, data = de, ties = "efron"))
rows[[length(rows) + 1]] <- data.frame(quantity = "decision_hr", value = cx$conf.int[1, "exp(coef)"],
                                       ci_low = cx$conf.int[1, "lower .95"], ci_high = cx$conf.int[1, "upper .95"],
                                       p = cx$coefficients[1, "Pr(>|z|)"])

lu <- read.csv("luo.csv", stringsAsFactors = FALSE)
for (e in c("pfs", "os")) {
  fit <- survfit(Surv(lu[[paste0(e, "_days")]] / 7, lu[[paste0(e, "_event")]]) ~ 1, conf.type = "log-log")
  rows[[length(rows) + 1]] <- median_row(fit, paste0("luo_", e, "_median_weeks"))
}
out <- do.call(rbind, rows)
write.csv(out, "seeds_survival.csv", row.names = FALSE, na = "")
writeLines(c(R.version.string, paste("survival", packageVersion("survival"))), "R_VERSION.txt")
