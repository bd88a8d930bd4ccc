"""config/README.md documents the contract that the code enforces, and the templates conform to it."""

from __future__ import annotations

from pathlib import Path

from tkicohort.ingest.contract import TABLES
from tkicohort.ingest.docs import BEGIN, END, contract_markdown
from tkicohort.ingest.validate import ingest_cohort

REPO = Path(__file__).resolve().parents[2]


def test_readme_contract_section_is_generated_from_the_code():
    text = (REPO / "config" / "README.md").read_text(encoding="utf-8")
    section = text[text.index(BEGIN): text.index(END) + len(END)]
    assert section == contract_markdown(), "regenerate with: python -m tkicohort.ingest.docs"


def test_every_column_is_documented():
    text = (REPO / "config" / "README.md").read_text(encoding="utf-8")
    for table in TABLES.values():
        assert f"`{table.file}`" in text
        for col in table.columns:
            assert f"| `{col.name}` |" in text


def test_templates_cover_every_table_and_conform():
    folder = REPO / "resources" / "templates"
    assert sorted(p.name for p in folder.glob("*.csv")) == sorted(t.file for t in TABLES.values())
    ingest_cohort(folder)  # raises ContractError with every violation if a template breaks the contract
