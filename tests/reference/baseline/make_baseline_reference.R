# Reference values for tkicohort.stats.baseline (base R). Run: Rscript make_baseline_reference.R
cases <- list(
  list(a = c(34, 51, 47, 62, 58, 45, 70, 39), b = c(55, 61, 49, 72, 66, 58, 80, 63, 59)),     # no ties, small
  list(a = c(5, 7, 7, 9, 12, 3, 8), b = c(10, 7, 14, 12, 15, 9)),                           # ties
  list(a = seq(1, 119, by = 2), b = seq(4, 130, by = 3)),      # n >= 50, exactly representable, with ties
  list(a = c(2.5, 3.1, 4.8, 1.9, 5.5), b = c(2.2, 2.9, 3.3))
)
out <- data.frame()
for (i in seq_along(cases)) {
  a <- cases[[i]]$a; b <- cases[[i]]$b
  w <- suppressWarnings(wilcox.test(a, b))
  out <- rbind(out, data.frame(
    case = i, a = paste(a, collapse = " "), b = paste(b, collapse = " "),
    student_t = unname(t.test(a, b, var.equal = TRUE)$statistic), student_p = t.test(a, b, var.equal = TRUE)$p.value,
    welch_t = unname(t.test(a, b)$statistic), welch_p = t.test(a, b)$p.value,
    wilcox_W = unname(w$statistic), wilcox_p = w$p.value,
    sd_a = sd(a), q1_a = unname(quantile(a, 0.25)), q3_a = unname(quantile(a, 0.75))
  ))
}
write.csv(out, "two_sample.csv", row.names = FALSE)
writeLines(R.version.string, "R_VERSION.txt")
