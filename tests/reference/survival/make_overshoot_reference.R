# Reference for a Cox model where a full first Newton-Raphson step overflows (small sample, a near-separated
# covariate) but the likelihood has a finite maximum: 26 patients of the reconstructed Zhujiang cohort, five
# binary covariates. Run from this folder: Rscript make_overshoot_reference.R
library(survival)
d <- read.csv("overshoot_data.csv")
f <- coxph(Surv(pfs_months, pfs_event) ~ female + lung_only + met_bone + hfs + tg_response_60, data = d,
           ties = "efron", control = coxph.control(eps = 1e-9, iter.max = 100))
s <- summary(f)$coefficients
out <- data.frame(term = rownames(s), coef = s[, "coef"], se = s[, "se(coef)"], p = s[, "Pr(>|z|)"])
write.csv(out, "overshoot_cox.csv", row.names = FALSE)
