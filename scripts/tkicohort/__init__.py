"""Cohort-analysis package for TKI-treated RAI-refractory differentiated thyroid cancer.

Stages follow the data flow, and a stage never imports from a later one:
``ingest`` → ``recist`` → ``derive`` → ``stats``.
"""

__version__ = "0.1.0"
