"""Ingestion: the input data contract, the identifier screen and validated reading of a cohort folder."""
