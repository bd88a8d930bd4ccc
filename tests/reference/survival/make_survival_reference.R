# Reference values for tkicohort.stats.survival, from R's survival package.
# Run: Rscript make_survival_reference.R   (writes the CSV files beside this script; CI does not need R)
#
# Data: survival::lung and survival::veteran (exported here as lung.csv / veteran.csv so both sides read the same
# numbers) and the hand-derived endpoints of the example cohort (tests/data/example_expected.csv).
suppressMessages(library(survival))
options(digits = 17)

lung_df <- data.frame(time = lung$time, status = as.integer(lung$status == 2), sex = lung$sex,
                      ph_ecog = lung$ph.ecog, age = lung$age)
vet_df <- data.frame(time = veteran$time, status = veteran$status, trt = veteran$trt,
                     celltype = as.character(veteran$celltype), karno = veteran$karno)
ex <- read.csv("../../data/example_expected.csv", stringsAsFactors = FALSE)
ex_df <- data.frame(time = ex$pfs_days, status = ex$pfs_event, hfs = ex$hfs,
                    dose_reduced = as.integer(ex$dose_status != "standard"))
write.csv(lung_df, "lung.csv", row.names = FALSE, na = "")
write.csv(vet_df, "veteran.csv", row.names = FALSE, na = "")

datasets <- list(lung = lung_df, veteran = vet_df, example = ex_df)
groupings <- list(lung = c("", "sex"), veteran = c("", "trt", "celltype"), example = c("", "hfs", "dose_reduced"))
horizons <- list(lung = 365, veteran = 180, example = 200)
times_at <- list(lung = c(100, 365, 730), veteran = c(30, 90, 180), example = c(100, 200, 300))

km <- data.frame(); at <- data.frame(); lr <- data.frame(); fu <- data.frame()
for (name in names(datasets)) {
  d <- datasets[[name]]
  for (g in groupings[[name]]) {
    levels <- if (g == "") "all" else sort(unique(d[[g]]))
    for (lev in levels) {
      sub <- if (g == "") d else d[d[[g]] == lev, ]
      for (ct in c("log", "log-log", "plain")) {
        f <- survfit(Surv(time, status) ~ 1, data = sub, conf.type = ct)
        tab <- summary(f, rmean = "individual")$table
        tabh <- summary(f, rmean = horizons[[name]])$table
        km <- rbind(km, data.frame(dataset = name, group = g, level = as.character(lev), conf_type = ct,
          n = unname(tab["records"]), events = unname(tab["events"]), median = unname(tab["median"]),
          median_ci_low = unname(tab["0.95LCL"]), median_ci_high = unname(tab["0.95UCL"]),
          rmean = unname(tab["rmean"]), rmean_se = unname(tab["se(rmean)"]),
          horizon = horizons[[name]], rmst = unname(tabh["rmean"]), rmst_se = unname(tabh["se(rmean)"])))
        s <- summary(f, times = times_at[[name]], extend = TRUE)
        at <- rbind(at, data.frame(dataset = name, group = g, level = as.character(lev), conf_type = ct,
          time = s$time, surv = s$surv, lower = s$lower, upper = s$upper, n_risk = s$n.risk))
      }
      rf <- survfit(Surv(time, 1 - status) ~ 1, data = sub)
      fu <- rbind(fu, data.frame(dataset = name, group = g, level = as.character(lev),
        median_followup = unname(summary(rf)$table["median"])))
    }
    if (g != "") {
      sd <- survdiff(as.formula(paste("Surv(time, status) ~", g)), data = d)
      lr <- rbind(lr, data.frame(dataset = name, group = g, chisq = sd$chisq, df = length(sd$n) - 1,
        p = pchisq(sd$chisq, length(sd$n) - 1, lower.tail = FALSE)))
    }
  }
}
write.csv(km, "km_summary.csv", row.names = FALSE, na = "")
write.csv(at, "km_at_times.csv", row.names = FALSE, na = "")
write.csv(lr, "logrank.csv", row.names = FALSE, na = "")
write.csv(fu, "followup.csv", row.names = FALSE, na = "")

# Cox models, Efron ties: coefficient table and model tests.
models <- list(
  list(dataset = "lung", formula = "sex"), list(dataset = "lung", formula = "age + sex + ph_ecog"),
  list(dataset = "veteran", formula = "factor(trt)"), list(dataset = "veteran", formula = "celltype + karno"),
  list(dataset = "example", formula = "hfs"), list(dataset = "example", formula = "dose_reduced"))
coefs <- data.frame(); tests <- data.frame()
for (m in models) {
  d <- datasets[[m$dataset]]
  fit <- coxph(as.formula(paste("Surv(time, status) ~", m$formula)), data = d, ties = "efron")
  s <- summary(fit)
  cf <- s$coefficients; ci <- s$conf.int
  coefs <- rbind(coefs, data.frame(dataset = m$dataset, formula = m$formula, term = rownames(cf),
    coef = cf[, "coef"], se = cf[, "se(coef)"], hr = cf[, "exp(coef)"], hr_ci_low = ci[, "lower .95"],
    hr_ci_high = ci[, "upper .95"], z = cf[, "z"], p = cf[, "Pr(>|z|)"]))
  tests <- rbind(tests, data.frame(dataset = m$dataset, formula = m$formula, n = fit$n, events = fit$nevent,
    loglik_null = fit$loglik[1], loglik = fit$loglik[2], lr_chisq = unname(s$logtest["test"]),
    lr_df = unname(s$logtest["df"]), lr_p = unname(s$logtest["pvalue"]), wald_chisq = unname(s$waldtest["test"]),
    wald_p = unname(s$waldtest["pvalue"]), score_chisq = unname(s$sctest["test"]),
    score_p = unname(s$sctest["pvalue"])))
}
write.csv(coefs, "cox_coefficients.csv", row.names = FALSE, na = "")
write.csv(tests, "cox_tests.csv", row.names = FALSE, na = "")

# Firth-penalised Cox (one covariate), built from survival's own log-likelihood and information at a fixed beta:
# l*(b) = l(b) + 0.5 log I(b), maximised with optimize(); penalised likelihood-ratio test 2 (l*(b*) - l*(0)).
firth_data <- list(
  separated = data.frame(time = c(5, 8, 12, 3, 20, 25, 30, 9, 14, 40), status = c(1, 1, 1, 1, 0, 0, 0, 0, 0, 0),
                         x = c(1, 1, 1, 1, 0, 0, 0, 0, 0, 0)),
  lung_sex = lung_df)
firth <- data.frame()
for (name in names(firth_data)) {
  d <- firth_data[[name]]
  if (name == "lung_sex") d$x <- d$sex
  pen <- function(b) {
    f <- coxph(Surv(time, status) ~ x, data = d, ties = "efron", init = b, control = coxph.control(iter.max = 0))
    f$loglik[2] + 0.5 * log(1 / f$var[1, 1])
  }
  opt <- optimize(pen, c(-20, 20), maximum = TRUE, tol = 1e-12)
  # The penalised likelihood is flat at its maximum (value differences near rounding noise), so polish the
  # optimum as the root of the central-difference derivative, which is accurate to ~1e-9.
  dpen <- function(b, h = 1e-5) (pen(b + h) - pen(b - h)) / (2 * h)
  root <- uniroot(dpen, opt$maximum + c(-0.01, 0.01), tol = 1e-14)$root
  firth <- rbind(firth, data.frame(dataset = name, coef = root, penalized_loglik = pen(root),
    penalized_loglik_null = pen(0), lr_chisq = 2 * (pen(root) - pen(0))))
}
write.csv(firth, "firth.csv", row.names = FALSE, na = "")
writeLines(c(R.version.string, paste("survival", packageVersion("survival"))), "R_VERSION.txt")

# Proportional-hazards test of Grambsch & Therneau as R's cox.zph computed it before survival 3.0, rebuilt from
# R's own Schoenfeld residuals (Efron), variance matrix and Kaplan-Meier (transforms km, rank and identity).
zph_old <- function(fit, y, transform) {
  sresid <- as.matrix(residuals(fit, "schoenfeld"))
  ndead <- nrow(sresid)
  times <- as.numeric(rownames(sresid))
  if (transform == "km") {
    temp <- survfit(Surv(y[, 1], y[, 2]) ~ 1)
    t1 <- temp$surv[temp$n.event > 0]
    t2 <- temp$n.event[temp$n.event > 0]
    ttimes <- 1 - rep(c(1, t1), c(t2, 0))
  } else if (transform == "rank") ttimes <- rank(times) else ttimes <- times
  xx <- ttimes - mean(ttimes)
  r2 <- sresid %*% fit$var * ndead
  test <- xx %*% r2
  z <- c(test^2 / (diag(fit$var) * ndead * sum(xx^2)))
  gtest <- c(xx %*% sresid)
  gz <- c(gtest %*% fit$var %*% gtest) * ndead / sum(xx^2)
  data.frame(term = c(colnames(sresid), "GLOBAL"), chisq = c(z, gz),
             p = c(1 - pchisq(z, 1), 1 - pchisq(gz, ncol(sresid))))
}
zph <- data.frame()
for (m in list(list(dataset = "lung", formula = "age + sex + ph_ecog"), list(dataset = "veteran", formula = "trt + karno"))) {
  d <- datasets[[m$dataset]]
  d <- d[complete.cases(d[, c("time", "status", strsplit(m$formula, " \\+ ")[[1]])]), ]
  fit <- coxph(as.formula(paste("Surv(time, status) ~", m$formula)), data = d, ties = "efron", x = TRUE, y = TRUE)
  for (tr in c("km", "rank", "identity")) {
    zph <- rbind(zph, cbind(data.frame(dataset = m$dataset, formula = m$formula, transform = tr), zph_old(fit, fit$y, tr)))
  }
}
write.csv(zph, "ph_test.csv", row.names = FALSE, na = "")
