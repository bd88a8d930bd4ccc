"""The fast YAML loader (libyaml's, tkicohort.config.SAFE_LOADER) reads every YAML file of the repository as PyYAML's
own safe loader does, and refuses what the safe loader refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from tkicohort.config import SAFE_LOADER, safe_load

REPO = Path(__file__).resolve().parents[2]
FILES = sorted(p for folder in ("config", "resources", "workflow", "tests")
               for p in (REPO / folder).rglob("*.yaml"))


def test_the_fast_loader_is_libyaml_where_pyyaml_has_it():
    assert SAFE_LOADER is getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    assert len(FILES) > 20


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_yaml_file_reads_alike(path):
    text = path.read_text(encoding="utf-8")
    try:
        expected = yaml.safe_load(text)
    except yaml.YAMLError:
        with pytest.raises(yaml.YAMLError):
            safe_load(text)
        return
    assert safe_load(text) == expected


def test_no_object_is_built_from_a_tag():
    with pytest.raises(yaml.YAMLError):
        safe_load("!!python/object/apply:os.system ['true']")
