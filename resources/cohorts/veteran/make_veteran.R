# Converts R's `veteran` data (package survival) into the pipeline's data contract: one patients.csv.
# Run from this folder: Rscript make_veteran.R   (R 4.2.2, survival 3.5-3; deterministic, no random numbers)
#
# survival::veteran: the Veterans' Administration lung cancer trial (Kalbfleisch & Prentice, The Statistical Analysis
# of Failure Time Data, 1980), 137 men with advanced inoperable lung cancer randomised to standard (trt 1) or test
# (trt 2) chemotherapy. Columns: trt, celltype (squamous, smallcell, adeno, large), time (days from randomisation to
# death or censoring), status (1 = died), karno (Karnofsky performance score), diagtime (months from diagnosis to
# randomisation), age (years), prior (prior therapy: 0 = no, 10 = yes).
#
# Mapping (day 0 = randomisation): patient_id V001..V137 in the data set's row order; arm standard / test;
# age_years = age; followup_days = time; death = status; death_day = time when status = 1, blank otherwise. Kept as
# extra columns: celltype, karno, diag_months (= diagtime), prior (no / yes). The data set records no sex (all
# patients were men, but it has no column for it) and no tumour assessments: a survival-only cohort.
suppressMessages(library(survival))
v <- survival::veteran
out <- data.frame(
  patient_id = sprintf("V%03d", seq_len(nrow(v))),
  arm = ifelse(v$trt == 1, "standard", "test"),
  age_years = v$age,
  followup_days = v$time,
  death = v$status,
  death_day = ifelse(v$status == 1, v$time, NA),
  celltype = as.character(v$celltype),
  karno = v$karno,
  diag_months = v$diagtime,
  prior = ifelse(v$prior == 10, "yes", "no")
)
write.csv(out, "patients.csv", row.names = FALSE, quote = FALSE, na = "")
