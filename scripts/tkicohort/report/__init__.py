"""The HTML report: one self-contained page per cohort (``results/<cohort>/report.html``) and one for every cohort of
the run (``results/report.html``), written by the workflow's last rules from the files the earlier stages wrote.

Each cohort's page holds, in the order of the data flow: what ingestion read (rows per file, warnings), every table
inline as its journal-style HTML (the very table of ``tables/<name>.html``) with links to its CSV, Markdown, Excel
and Word files, every figure embedded as a PNG data URI with its caption and a link to its SVG, and for a cohort
that reproduces a publication the reproduction summary and the publication audit as tables. Captions come from
``workflow/report/*.rst`` (reStructuredText with Jinja2 conditions on the cohort, table and figure names).

Self-contained and safe: no script, no external resource; every text from a data file, a plan or a CSV is escaped;
reStructuredText captions are converted with raw HTML and file inclusion disabled and without reading any docutils
configuration file. Deterministic: no date, no absolute path; the same inputs give the same bytes.

Cheap: it reads files and joins text (no pandas, no plotting); the combined page is made from the cohorts' pages.
"""
