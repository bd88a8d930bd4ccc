"""Statistics over the analysis dataset."""
