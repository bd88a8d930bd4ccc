"""The work of each workflow rule, as one function per rule, which the rule's ``run:`` block hands to
:func:`tkicohort.jobs.workers.run_job`.

In a local run the work goes to warm worker processes, one per core, that import pandas, scipy and this package
once (:mod:`.workers`), so a job costs its work and not the start of a new Python; on a cluster it runs in the job's
own process. Each function reads the rule's inputs, calls the stage's code, writes the rule's outputs and logs to the
rule's log file (:func:`tkicohort.rule_log.job_log`). The modules follow the stages: :mod:`.data` (ingest, RECIST,
analysis dataset), :mod:`.tables` (each table's statistics, and its rendering), :mod:`.figures`, :mod:`.reproduce`
(reconstruction, plausibility, audit, reproduction) and :mod:`.report`; a module is imported when its first job
runs, so a run that has nothing to do imports none of them.

Every function takes the job's ``input``, ``output``, ``params`` and ``wildcards`` (as :class:`.workers.Named`
stand-ins, or Snakemake's own named lists) and its log path.
"""
