# Reference values for the veteran cohort's overall-survival tables (config/plans/veteran.yaml), from R's survival
# package applied to survival::veteran directly (not to the converted cohort files, so the conversion is checked too).
# Run from this folder: Rscript make_veteran_reference.R   (writes the CSV files beside this script; CI needs no R)
#
# The plan's choices, repeated here: time in months = days / 30.4375; arms standard (trt 1, reference) and test
# (trt 2); KM confidence band conf.type = "log"; landmarks 6 and 12 months; restricted mean to each arm's largest
# time (rmean = "individual") and to 12 months; Cox models with Efron ties (R's default), Wald CIs and p; subgroups
# cell type (squamous first, R's level order), Karnofsky score >= 70, age >= 65, prior therapy (no first).
suppressMessages(library(survival))
options(digits = 17)
v <- survival::veteran
d <- data.frame(time = v$time / 30.4375, status = v$status,
                arm = factor(ifelse(v$trt == 1, "standard", "test"), levels = c("standard", "test")),
                celltype = factor(as.character(v$celltype), levels = c("squamous", "smallcell", "adeno", "large")),
                karno_ge_70 = factor(as.integer(v$karno >= 70), levels = c(0, 1)),
                age_ge_65 = factor(as.integer(v$age >= 65), levels = c(0, 1)),
                prior = factor(ifelse(v$prior == 10, "yes", "no"), levels = c("no", "yes")))

# Kaplan-Meier per arm: n, events, median and CI, S at the landmarks, restricted means
km <- data.frame()
for (a in levels(d$arm)) {
  sub <- d[d$arm == a, ]
  f <- survfit(Surv(time, status) ~ 1, data = sub, conf.type = "log")
  tab <- summary(f, rmean = "individual")$table
  tab12 <- summary(f, rmean = 12)$table
  at <- summary(f, times = c(6, 12), extend = TRUE)
  km <- rbind(km, data.frame(arm = a, n = unname(tab["records"]), events = unname(tab["events"]),
    median = unname(tab["median"]), median_ci_low = unname(tab["0.95LCL"]), median_ci_high = unname(tab["0.95UCL"]),
    km_mean = unname(tab["rmean"]), km_mean_se = unname(tab["se(rmean)"]),
    rmst_12 = unname(tab12["rmean"]), rmst_12_se = unname(tab12["se(rmean)"]),
    surv_6 = at$surv[1], surv_6_low = at$lower[1], surv_6_high = at$upper[1],
    surv_12 = at$surv[2], surv_12_low = at$lower[2], surv_12_high = at$upper[2]))
}
write.csv(km, "km_by_arm.csv", row.names = FALSE)

# Log-rank test and Cox model of the arms
lr <- survdiff(Surv(time, status) ~ arm, data = d)
fit <- coxph(Surv(time, status) ~ arm, data = d)
s <- summary(fit)
write.csv(data.frame(logrank_chisq = lr$chisq, logrank_df = length(lr$n) - 1,
                     logrank_p = pchisq(lr$chisq, length(lr$n) - 1, lower.tail = FALSE),
                     hr = s$conf.int[1, "exp(coef)"], hr_ci_low = s$conf.int[1, "lower .95"],
                     hr_ci_high = s$conf.int[1, "upper .95"], hr_p = s$coefficients[1, "Pr(>|z|)"]),
          "arm.csv", row.names = FALSE)

# Treatment effect within each subgroup level, and the treatment x subgroup interaction (likelihood ratio)
sg <- data.frame()
for (var in c("celltype", "karno_ge_70", "age_ge_65", "prior")) {
  reduced <- coxph(as.formula(paste("Surv(time, status) ~ arm +", var)), data = d)
  full <- coxph(as.formula(paste("Surv(time, status) ~ arm *", var)), data = d)
  a <- anova(reduced, full)
  for (lev in levels(d[[var]])) {
    sub <- d[d[[var]] == lev, ]
    fl <- summary(coxph(Surv(time, status) ~ arm, data = sub))
    sg <- rbind(sg, data.frame(variable = var, level = lev,
      n_reference = sum(sub$arm == "standard"), n_treatment = sum(sub$arm == "test"),
      events_reference = sum(sub$status[sub$arm == "standard"]), events_treatment = sum(sub$status[sub$arm == "test"]),
      hr = fl$conf.int[1, "exp(coef)"], hr_ci_low = fl$conf.int[1, "lower .95"],
      hr_ci_high = fl$conf.int[1, "upper .95"], hr_p = fl$coefficients[1, "Pr(>|z|)"],
      interaction_chisq = a$Chisq[2], interaction_df = a$Df[2], interaction_p = a[["Pr(>|Chi|)"]][2]))
  }
}
write.csv(sg, "subgroup_by_arm.csv", row.names = FALSE)
writeLines(c(R.version.string, paste("survival", packageVersion("survival"))), "R_VERSION.txt")
