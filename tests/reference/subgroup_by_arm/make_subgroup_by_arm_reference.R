# Reference values for tkicohort.stats.treatment_by_subgroup on survival::lung, a case with an aliased interaction
# term: "arm" = sex (1 = reference, 2 = treatment), subgroup = ph.ecog (0, 1, 2, 3; one patient has it missing).
# ECOG 3 holds one patient, in the reference arm only, so its treatment x subgroup term is a linear combination of
# the others: R leaves it out (NA coefficient) and the likelihood-ratio test has 2 df, not 3.
# Run from this folder: Rscript make_subgroup_by_arm_reference.R   (writes lung_ecog.csv and the data it used)
suppressMessages(library(survival))
options(digits = 17)
d <- data.frame(time = lung$time, status = as.integer(lung$status == 2), sex = lung$sex, ph_ecog = lung$ph.ecog)
write.csv(d, "lung_ecog_data.csv", row.names = FALSE, na = "")
d <- d[!is.na(d$ph_ecog), ]
d$arm <- factor(d$sex, levels = c(1, 2))
d$ecog <- factor(d$ph_ecog, levels = c(0, 1, 2, 3))
reduced <- coxph(Surv(time, status) ~ arm + ecog, data = d)
full <- coxph(Surv(time, status) ~ arm * ecog, data = d)
a <- anova(reduced, full)
out <- data.frame()
for (lev in levels(d$ecog)) {
  sub <- d[d$ecog == lev, ]
  both <- length(unique(sub$arm)) == 2
  fl <- if (both) summary(coxph(Surv(time, status) ~ arm, data = sub)) else NULL
  out <- rbind(out, data.frame(level = lev, n_reference = sum(sub$arm == 1), n_treatment = sum(sub$arm == 2),
    events_reference = sum(sub$status[sub$arm == 1]), events_treatment = sum(sub$status[sub$arm == 2]),
    hr = if (both) fl$conf.int[1, "exp(coef)"] else NA, hr_ci_low = if (both) fl$conf.int[1, "lower .95"] else NA,
    hr_ci_high = if (both) fl$conf.int[1, "upper .95"] else NA,
    hr_p = if (both) fl$coefficients[1, "Pr(>|z|)"] else NA,
    interaction_chisq = a$Chisq[2], interaction_df = a$Df[2], interaction_p = a[["Pr(>|Chi|)"]][2],
    aliased_terms = sum(is.na(coef(full)))))
}
write.csv(out, "lung_ecog.csv", row.names = FALSE, na = "")
writeLines(c(R.version.string, paste("survival", packageVersion("survival"))), "R_VERSION.txt")
