# Reference values for tkicohort.stats.response, from base R (stats package).
# Run: Rscript make_response_reference.R   (writes the CSV files beside this script)
tables <- list(
  "10,7;5,4", "3,2,1;1,2,5", "7,0;8,11", "6,1;2,17", "0,5,2,1;4,3,6,5", "15,0;10,1",
  "12,3;2,9", "4,4,4;4,4,4", "1,9,3;9,1,8", "11,4;7,4", "20,30;30,20", "2,3,8,1;7,1,1,6", "0,2;10,30"
)
parse <- function(s) do.call(rbind, lapply(strsplit(strsplit(s, ";")[[1]], ","), as.numeric))
out <- data.frame()
for (s in tables) {
  m <- parse(s)
  warned <- FALSE
  chi <- withCallingHandlers(chisq.test(m, correct = FALSE),
                             warning = function(w) { warned <<- TRUE; invokeRestart("muffleWarning") })
  chic <- suppressWarnings(chisq.test(m, correct = TRUE))
  out <- rbind(out, data.frame(
    table = s,
    fisher_p = fisher.test(m)$p.value,
    chisq_stat = unname(chi$statistic), chisq_df = unname(chi$parameter), chisq_p = chi$p.value,
    chisq_corrected_stat = unname(chic$statistic), chisq_corrected_p = chic$p.value,
    # R's "Chi-squared approximation may be incorrect" warning, and the expected counts it rests on
    chisq_warns = warned, expected_min = min(chi$expected), expected_below_5 = sum(chi$expected < 5),
    expected_below_1 = sum(chi$expected < 1)
  ))
}
write.csv(out, "contingency.csv", row.names = FALSE)

ci <- data.frame()
for (kn in list(c(0, 10), c(7, 26), c(15, 26), c(26, 26), c(1, 1), c(3, 8), c(50, 417))) {
  b <- binom.test(kn[1], kn[2])
  ci <- rbind(ci, data.frame(k = kn[1], n = kn[2], low = b$conf.int[1], high = b$conf.int[2]))
}
write.csv(ci, "clopper_pearson.csv", row.names = FALSE)

p <- c(0.004, 0.081, 0.233, 1, 0.01, 0.001, 0.5, 0.04)
write.csv(data.frame(p = p, holm = p.adjust(p, "holm"), bh = p.adjust(p, "BH")), "p_adjust.csv", row.names = FALSE)
writeLines(c(R.version.string), "R_VERSION.txt")
