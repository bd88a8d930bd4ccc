"""The work of each workflow rule, as one function per rule that the rule's ``run:`` block calls.

Snakemake runs these jobs in its own process, side by side in threads (``force-use-threads`` in the workflow's
profiles), so a job costs its work and not the start of a new Python that imports pandas, scipy and this package
again. Each function reads the rule's inputs, calls the stage's code, writes the rule's outputs and logs to the
rule's log file (:func:`tkicohort.rule_log.job_log`). The modules follow the stages: :mod:`.data` (ingest, RECIST,
analysis dataset), :mod:`.tables`, :mod:`.figures`, :mod:`.reproduce` (reconstruction, plausibility, audit,
reproduction) and :mod:`.report`; a rule imports its module when its first job runs, so a run that has nothing to
do imports none of them.

Every function takes Snakemake's ``input``, ``output``, ``params`` and ``wildcards`` of the job and its log path.
"""
