# Reference values for the post-baseline, small-sample and discrimination analyses (stats/post_baseline.py,
# stats/permutation_logrank.py, stats/discrimination.py), from R's survival and coin packages.
# Run: Rscript make_postbaseline_reference.R   (writes the CSV files beside this script; CI does not need R)
#
# Data are generated here with a fixed seed and written out, so both sides read the same numbers.
suppressMessages({library(survival); library(coin)})
options(digits = 17)
set.seed(18)
dpm <- 30.4375

## 1. Post-baseline variable: landmark and time-dependent Cox -------------------------------------------------
n <- 60
days <- pmax(1L, round(rexp(n, 1 / 300)))
event <- rbinom(n, 1, 0.75)
occurred <- rbinom(n, 1, 0.5)
x_day <- ifelse(occurred == 1, round(runif(n, -10, 250)), NA)
x_day[1:3] <- c(0, days[4], days[5])          # switch at day 0; on and after the end of follow-up
occurred[1:3] <- 1L
x_day[4] <- days[4]; occurred[4] <- 1L         # switch on the last day: stays in the before state
days[6] <- days[7]                            # tied times
dose <- ifelse(occurred == 1, ifelse(seq_len(n) %% 2 == 0, "reduced", "stopped"), "standard")
pb <- data.frame(id = seq_len(n), pfs_days = days, pfs_event = event, x = occurred, x_day = x_day,
                 dose = dose, dose_day = x_day)
pb$pfs_months <- pb$pfs_days / dpm
write.csv(pb, "postbaseline_data.csv", row.names = FALSE, na = "")

tv <- tmerge(pb[, c("id", "pfs_months", "pfs_event")], pb, id = id, status = event(pfs_months, pfs_event))
tv <- tmerge(tv, pb[!is.na(pb$x_day), ], id = id, xt = tdc(x_day / dpm))
tv <- tmerge(tv, pb[!is.na(pb$dose_day), ], id = id, dt = tdc(dose_day / dpm, dose, "standard"))
tv$xt[is.na(tv$xt)] <- 0
tv$dt <- factor(tv$dt, levels = c("standard", "reduced", "stopped"))
out <- data.frame()
add <- function(method, landmark, variable, fit) {
  s <- summary(fit)$coefficients
  ci <- summary(fit)$conf.int
  data.frame(method = method, landmark_months = landmark, variable = variable, term = rownames(s),
             n = fit$n, events = fit$nevent, coef = s[, "coef"], se = s[, "se(coef)"], hr = ci[, "exp(coef)"],
             hr_ci_low = ci[, "lower .95"], hr_ci_high = ci[, "upper .95"], p = s[, "Pr(>|z|)"])
}
out <- rbind(out, add("naive", NA, "x", coxph(Surv(pfs_months, pfs_event) ~ x, data = pb)))
pb$dose_f <- factor(pb$dose, levels = c("standard", "reduced", "stopped"))
out <- rbind(out, add("naive", NA, "dose", coxph(Surv(pfs_months, pfs_event) ~ dose_f, data = pb)))
tvp <- tv[tv$tstop > tv$tstart, ]
fit_tv <- coxph(Surv(tstart, tstop, status) ~ xt, data = tvp)
fit_tv$n <- length(unique(tvp$id))
out <- rbind(out, add("time_varying", NA, "x", fit_tv))
fit_tvd <- coxph(Surv(tstart, tstop, status) ~ dt, data = tvp)
fit_tvd$n <- length(unique(tvp$id))
out <- rbind(out, add("time_varying", NA, "dose", fit_tvd))
for (L in c(2, 4, 6)) {
  lm <- subset(pb, pfs_months > L)
  known <- !is.na(lm$x_day) & lm$x_day / dpm <= L
  lm$xL <- ifelse(known, lm$x, 0)
  lm$doseL <- factor(ifelse(known, lm$dose, "standard"), levels = c("standard", "reduced", "stopped"))
  out <- rbind(out, add("landmark", L, "x", coxph(Surv(pfs_months - L, pfs_event) ~ xL, data = lm)))
  out <- rbind(out, add("landmark", L, "dose", coxph(Surv(pfs_months - L, pfs_event) ~ doseL, data = lm)))
}
write.csv(out, "postbaseline_cox.csv", row.names = FALSE, na = "")

## 2. Permutation log-rank test: coin::logrank_test, exact and Monte Carlo -------------------------------------
cases <- list(
  ties_small = data.frame(time = c(3, 5, 5, 7, 8, 8, 10, 12, 12, 12, 15, 18, 20, 22),
                          event = c(1, 1, 0, 1, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0),
                          group = c("a", "b", "a", "a", "b", "b", "a", "b", "b", "a", "b", "a", "b", "b")),
  single = data.frame(time = round(rexp(20, 1 / 12), 1), event = rbinom(20, 1, 0.7),
                      group = c("yes", rep("no", 19))),
  n26_8 = data.frame(time = round(rexp(26, 1 / 15)), event = rbinom(26, 1, 0.6),
                     group = c(rep("g1", 8), rep("g2", 18))),
  three_groups = data.frame(time = round(rexp(18, 1 / 10)), event = rbinom(18, 1, 0.7),
                            group = rep(c("a", "b", "c"), each = 6))
)
cases$single$event[1] <- 1
pc <- do.call(rbind, lapply(names(cases), function(k) cbind(case = k, cases[[k]])))
write.csv(pc, "permutation_cases.csv", row.names = FALSE)
res <- data.frame()
for (k in names(cases)) {
  d <- cases[[k]]
  d$group <- factor(d$group)
  if (nlevels(d$group) == 2) {
    p <- pvalue(logrank_test(Surv(time, event) ~ group, data = d, distribution = "exact"))
    res <- rbind(res, data.frame(case = k, distribution = "exact", nresample = NA, p = as.numeric(p)))
  }
  set.seed(2024)
  p <- pvalue(logrank_test(Surv(time, event) ~ group, data = d, distribution = approximate(nresample = 1e5)))
  res <- rbind(res, data.frame(case = k, distribution = "approximate", nresample = 1e5, p = as.numeric(p)))
  sc <- logrank_trafo(Surv(d$time, d$event))
  res <- rbind(res, data.frame(case = k, distribution = "scores", nresample = NA, p = paste(sc, collapse = ";")))
}
write.csv(res, "permutation.csv", row.names = FALSE, na = "")

## 3. Discrimination: Harrell's and Uno's C of a Cox linear predictor, bootstrap optimism --------------------
lung_df <- na.omit(data.frame(time = lung$time, status = as.integer(lung$status == 2), age = lung$age,
                              sex = lung$sex, ph_ecog = lung$ph.ecog))
write.csv(lung_df, "lung_complete.csv", row.names = FALSE)
fit <- coxph(Surv(time, status) ~ age + sex + ph_ecog, data = lung_df)
lung_df$lp <- predict(fit, type = "lp")
harrell <- concordance(Surv(time, status) ~ lp, data = lung_df, reverse = TRUE)
uno <- concordance(Surv(time, status) ~ lp, data = lung_df, reverse = TRUE, timewt = "n/G2")
B <- 25
idx <- matrix(sample.int(nrow(lung_df), nrow(lung_df) * B, replace = TRUE), nrow = B)
write.csv(idx, "bootstrap_indices.csv", row.names = FALSE)
opt_h <- numeric(B); opt_u <- numeric(B)
for (b in seq_len(B)) {
  boot <- lung_df[idx[b, ], ]
  fb <- coxph(Surv(time, status) ~ age + sex + ph_ecog, data = boot)
  boot$lpb <- predict(fb, type = "lp")
  lung_df$lpb <- predict(fb, newdata = lung_df, type = "lp")
  opt_h[b] <- concordance(Surv(time, status) ~ lpb, data = boot, reverse = TRUE)$concordance -
    concordance(Surv(time, status) ~ lpb, data = lung_df, reverse = TRUE)$concordance
}
disc <- data.frame(statistic = c("harrell", "uno_n_G2", "harrell_optimism", "harrell_corrected"),
                   value = c(harrell$concordance, uno$concordance, mean(opt_h),
                             harrell$concordance - mean(opt_h)))
write.csv(disc, "concordance.csv", row.names = FALSE)
write.csv(data.frame(version = R.version.string, survival = as.character(packageVersion("survival")),
                     coin = as.character(packageVersion("coin"))), "R_VERSION.txt", row.names = FALSE)
