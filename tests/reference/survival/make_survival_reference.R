# Reference values for tkicohort.stats.survival, from R's survival package.
# Run: Rscript make_survival_reference.R   (writes the CSV files beside this script; CI does not need R)
#
# Data: survival::lung, survival::veteran and survival::heart (exported here as lung.csv, veteran.csv, heart.csv so
# both sides read the same numbers), the hand-derived endpoints of the example cohort (tests/data/example_expected.csv)
# and the reconstructed Zhujiang analysis dataset (zhujiang.csv: the columns the survival tables use, copied from
# results/zhujiang_2023/analysis/patients.csv of a run; times in days, months = days / 30.4375 on both sides).
# Firth references are made by make_firth_reference.R.
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
heart_df <- data.frame(start = heart$start, stop = heart$stop, event = heart$event, age = heart$age,
                       year = heart$year, surgery = heart$surgery,
                       transplant = as.integer(as.character(heart$transplant)))
write.csv(heart_df, "heart.csv", row.names = FALSE, na = "")
heart_df <- read.csv("heart.csv")  # fit what the tests read (15 significant digits)
if (!file.exists("zhujiang.csv")) {
  zj <- read.csv("../../../results/zhujiang_2023/analysis/patients.csv", stringsAsFactors = FALSE)
  write.csv(data.frame(evaluable = zj$evaluable, pfs_days = zj$pfs_days, pfs_event = zj$pfs_event,
                       os_days = zj$os_days, os_event = zj$os_event, female = as.integer(zj$sex == "F"),
                       lung_only = zj$lung_only, met_bone = zj$met_bone, hfs = zj$hfs,
                       tg_response_60 = zj$tg_response_60),
            "zhujiang.csv", row.names = FALSE, na = "")
}
zj <- read.csv("zhujiang.csv")
zj$pfs_months <- zj$pfs_days / 30.4375
zj$os_months <- zj$os_days / 30.4375
zj_pfs <- data.frame(time = zj$pfs_months, status = zj$pfs_event)[zj$evaluable == 1, ]
zj_os <- data.frame(time = zj$os_months, status = zj$os_event)
zj_os_evaluable <- zj_os[zj$evaluable == 1, ]

datasets <- list(lung = lung_df, veteran = vet_df, example = ex_df, zhujiang_pfs = zj_pfs, zhujiang_os = zj_os,
                 zhujiang_os_evaluable = zj_os_evaluable)
groupings <- list(lung = c("", "sex"), veteran = c("", "trt", "celltype"), example = c("", "hfs", "dose_reduced"),
                  zhujiang_pfs = "", zhujiang_os = "", zhujiang_os_evaluable = "")
horizons <- list(lung = 365, veteran = 180, example = 200, zhujiang_pfs = 24, zhujiang_os = 24,
                 zhujiang_os_evaluable = 24)
# landmarks include times before the first observed time (lung 1, veteran 0.5, Zhujiang OS of evaluable patients
# 6 and 12 months: first time 13.1), where R reports S = 1 with limits 1-1 for every transform
times_at <- list(lung = c(1, 100, 365, 730), veteran = c(0.5, 30, 90, 180), example = c(100, 200, 300),
                 zhujiang_pfs = c(6, 12, 24), zhujiang_os = c(6, 12, 24), zhujiang_os_evaluable = c(6, 12, 24))

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
      lr <- rbind(lr, data.frame(dataset = name, group = g, strata = "", chisq = sd$chisq, df = length(sd$n) - 1,
        p = pchisq(sd$chisq, length(sd$n) - 1, lower.tail = FALSE)))
    }
  }
}
# stratified log-rank tests
for (m in list(list(dataset = "lung", group = "sex", strata = "ph_ecog"),
               list(dataset = "veteran", group = "trt", strata = "celltype"),
               list(dataset = "veteran", group = "celltype", strata = "trt"))) {
  sd <- survdiff(as.formula(sprintf("Surv(time, status) ~ %s + strata(%s)", m$group, m$strata)),
                 data = datasets[[m$dataset]])
  df <- sum(rowSums(as.matrix(sd$exp)) > 0) - 1
  lr <- rbind(lr, data.frame(dataset = m$dataset, group = m$group, strata = m$strata, chisq = sd$chisq, df = df,
                             p = pchisq(sd$chisq, df, lower.tail = FALSE)))
}
write.csv(km, "km_summary.csv", row.names = FALSE, na = "")
write.csv(at, "km_at_times.csv", row.names = FALSE, na = "")
write.csv(lr, "logrank.csv", row.names = FALSE, na = "")
write.csv(fu, "followup.csv", row.names = FALSE, na = "")

# Cox models, Efron and Breslow ties, with strata and (start, stop] rows. Covariates are numeric columns of the
# exported data (factors as 0/1 indicators), named as the Python tests name them. Wald and score statistics are
# R's unrounded fit$wald.test and fit$score.
vet_df$trt2 <- as.integer(vet_df$trt == 2)
for (cell in c("smallcell", "adeno", "large")) vet_df[[paste0("ct_", cell)]] <- as.integer(vet_df$celltype == cell)
datasets$veteran <- vet_df
datasets$heart <- heart_df
datasets$zhujiang <- zj[zj$evaluable == 1, ]
surv_of <- list(lung = "Surv(time, status)", veteran = "Surv(time, status)", example = "Surv(time, status)",
                heart = "Surv(start, stop, event)", zhujiang = "Surv(pfs_months, pfs_event)")
models <- list(
  list(dataset = "lung", covariates = "sex", strata = ""),
  list(dataset = "lung", covariates = "age sex ph_ecog", strata = ""),
  list(dataset = "lung", covariates = "age ph_ecog", strata = "sex"),
  list(dataset = "veteran", covariates = "trt2", strata = ""),
  list(dataset = "veteran", covariates = "ct_smallcell ct_adeno ct_large karno", strata = ""),
  list(dataset = "veteran", covariates = "trt karno", strata = "celltype"),
  list(dataset = "example", covariates = "hfs", strata = ""),
  list(dataset = "example", covariates = "dose_reduced", strata = ""),
  list(dataset = "heart", covariates = "age year surgery transplant", strata = ""),
  list(dataset = "heart", covariates = "age year transplant", strata = "surgery"),
  list(dataset = "zhujiang", covariates = "female lung_only met_bone hfs tg_response_60", strata = ""))
formula_of <- function(m) {
  rhs <- gsub(" ", " + ", m$covariates)
  if (m$strata != "") rhs <- paste0(rhs, " + strata(", m$strata, ")")
  as.formula(paste(surv_of[[m$dataset]], "~", rhs))
}
coefs <- data.frame(); tests <- data.frame()
for (m in models) for (ties in c("efron", "breslow")) {
  fit <- coxph(formula_of(m), data = datasets[[m$dataset]], ties = ties)
  s <- summary(fit)
  cf <- s$coefficients; ci <- s$conf.int
  key <- data.frame(dataset = m$dataset, covariates = m$covariates, strata = m$strata, ties = ties)
  coefs <- rbind(coefs, cbind(key, data.frame(term = rownames(cf),
    coef = cf[, "coef"], se = cf[, "se(coef)"], hr = cf[, "exp(coef)"], hr_ci_low = ci[, "lower .95"],
    hr_ci_high = ci[, "upper .95"], z = cf[, "z"], p = cf[, "Pr(>|z|)"])))
  df <- length(fit$coefficients)
  tests <- rbind(tests, cbind(key, data.frame(n = fit$n, events = fit$nevent,
    loglik_null = fit$loglik[1], loglik = fit$loglik[2], lr_chisq = unname(s$logtest["test"]),
    lr_df = unname(s$logtest["df"]), lr_p = unname(s$logtest["pvalue"]), wald_chisq = unname(fit$wald.test),
    wald_p = pchisq(unname(fit$wald.test), df, lower.tail = FALSE), score_chisq = unname(fit$score),
    score_p = pchisq(unname(fit$score), df, lower.tail = FALSE), iterations = fit$iter)))
}
write.csv(coefs, "cox_coefficients.csv", row.names = FALSE, na = "")
write.csv(tests, "cox_tests.csv", row.names = FALSE, na = "")
writeLines(c(R.version.string, paste("survival", packageVersion("survival"))), "R_VERSION.txt")

# Proportional-hazards test of R's current cox.zph (terms = TRUE): one row per term (the 4-level cell type is one
# 3-df term) and GLOBAL, for the transforms km, rank and identity. `terms` maps each term to its columns in the
# Python tests ("celltype" = ct_smallcell ct_adeno ct_large).
vet_df$celltype <- factor(vet_df$celltype, levels = c("squamous", "smallcell", "adeno", "large"))
datasets$veteran <- vet_df
zph_models <- list(
  list(dataset = "veteran", rhs = "trt + celltype + karno", ties = "efron",
       terms = "trt=trt;celltype=ct_smallcell ct_adeno ct_large;karno=karno"),
  list(dataset = "veteran", rhs = "trt + celltype + karno", ties = "breslow",
       terms = "trt=trt;celltype=ct_smallcell ct_adeno ct_large;karno=karno"),
  list(dataset = "veteran", rhs = "trt + karno + strata(celltype)", ties = "efron", terms = "trt=trt;karno=karno"),
  list(dataset = "lung", rhs = "age + sex + ph_ecog", ties = "efron", terms = "age=age;sex=sex;ph_ecog=ph_ecog"),
  list(dataset = "heart", rhs = "age + year + surgery + transplant", ties = "efron",
       terms = "age=age;year=year;surgery=surgery;transplant=transplant"),
  list(dataset = "zhujiang", rhs = "female + lung_only + met_bone + hfs + tg_response_60", ties = "efron",
       terms = "female=female;lung_only=lung_only;met_bone=met_bone;hfs=hfs;tg_response_60=tg_response_60"))
zph <- data.frame()
for (m in zph_models) {
  fit <- coxph(as.formula(paste(surv_of[[m$dataset]], "~", m$rhs)), data = datasets[[m$dataset]], ties = m$ties)
  for (tr in c("km", "rank", "identity")) {
    tab <- cox.zph(fit, transform = tr, terms = TRUE)$table
    zph <- rbind(zph, data.frame(dataset = m$dataset, formula = m$rhs, ties = m$ties, terms = m$terms,
                                 transform = tr, term = rownames(tab), chisq = tab[, "chisq"], df = tab[, "df"],
                                 p = tab[, "p"]))
  }
}
write.csv(zph, "ph_test.csv", row.names = FALSE, na = "")
