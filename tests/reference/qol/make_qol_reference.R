# Reference values for the Tehran QoL table (tkicohort.stats.qol_tables): Mann–Whitney W and p per scale, control
# vs sorafenib, and the Holm and Benjamini–Hochberg adjustments across the 25 scales. Base R only.
# Run from this folder: Rscript make_qol_reference.R   (reads the committed Tehran cohort; writes tehran_qol.csv)
#
# Scoring follows the EORTC QLQ-C30 manual in ordinary floating point (mean of the answered items when at least half
# are answered, linear transform to 0–100; summary score = mean of 13 scales, symptom scales reversed), written here
# independently of the Python code. Scores that are equal on paper can differ in the 16th digit depending on the order
# of the floating-point operations (Python's summation once made two equal Tehran summary scores differ), so the
# scores are rounded to 6 decimals before the tests: distinct scale scores differ by at least 1/180 point and distinct
# summary scores by at least 1/2340, so this rounding only merges true ties. Columns w_unrounded and p_unrounded are
# the tests without that rounding, for comparison (on the committed cohort R's own arithmetic splits a tie of the
# summary score too: W 146 unrounded, 145.5 rounded).
options(digits = 17)
cohort <- "../../../resources/cohorts/tehran"
q <- read.csv(file.path(cohort, "qol.csv"), stringsAsFactors = FALSE)
p <- read.csv(file.path(cohort, "patients.csv"), stringsAsFactors = FALSE)
q <- q[order(q$patient_id, q$day), ]
q <- q[!duplicated(q$patient_id, fromLast = TRUE), ]            # each patient's last questionnaire
arm <- p$arm[match(q$patient_id, p$patient_id)]

item <- function(i) q[[paste0("q", i)]]
scale_score <- function(items, range, kind) {
  m <- sapply(items, item)
  if (is.null(dim(m))) m <- matrix(m, ncol = 1)
  answered <- rowSums(!is.na(m))
  rs <- ifelse(2 * answered >= length(items), rowMeans(m, na.rm = TRUE), NA)
  if (kind == "functional") (1 - (rs - 1) / range) * 100 else (rs - 1) / range * 100
}
scales <- list(
  ql2 = list(c(29, 30), 6, "global"), pf2 = list(1:5, 3, "functional"), rf2 = list(6:7, 3, "functional"),
  ef = list(21:24, 3, "functional"), cf = list(c(20, 25), 3, "functional"), sf = list(26:27, 3, "functional"),
  fa = list(c(10, 12, 18), 3, "symptom"), nv = list(14:15, 3, "symptom"), pa = list(c(9, 19), 3, "symptom"),
  dy = list(8, 3, "symptom"), sl = list(11, 3, "symptom"), ap = list(13, 3, "symptom"), co = list(16, 3, "symptom"),
  di = list(17, 3, "symptom"), fi = list(28, 3, "symptom"))
scores <- lapply(scales, function(s) scale_score(s[[1]], s[[2]], s[[3]]))
functional <- c("pf2", "rf2", "ef", "cf", "sf")
symptom13 <- c("fa", "nv", "pa", "dy", "sl", "ap", "co", "di")
scores$summary_score <- rowMeans(cbind(sapply(functional, function(s) scores[[s]]),
                                       sapply(symptom13, function(s) 100 - scores[[s]])))
raw <- list(physical_function = 1:5, role_function = 6:7, symptom_scale = 8:19, cognitive_function = c(20, 25),
            emotional_function = 21:24, social_function = 26:27, financial_function = 28,
            global_function = 29:30, sum_of_scores = 1:30)
for (name in names(raw)) scores[[paste0("raw_", name)]] <- rowSums(sapply(raw[[name]], item))

out <- data.frame()
for (name in names(scores)) {
  x <- scores[[name]]
  control <- x[arm == "control"]; sorafenib <- x[arm == "sorafenib"]
  w <- suppressWarnings(wilcox.test(round(control, 6), round(sorafenib, 6)))
  w0 <- suppressWarnings(wilcox.test(control, sorafenib))
  out <- rbind(out, data.frame(scale = name, n_control = sum(!is.na(control)), n_sorafenib = sum(!is.na(sorafenib)),
                               w = unname(w$statistic), p = w$p.value, w_unrounded = unname(w0$statistic),
                               p_unrounded = w0$p.value))
}
out$p_holm <- p.adjust(out$p, "holm")
out$p_bh <- p.adjust(out$p, "BH")
write.csv(out, "tehran_qol.csv", row.names = FALSE)
writeLines(paste(R.version.string, "(base R only)"), "R_VERSION.txt")
