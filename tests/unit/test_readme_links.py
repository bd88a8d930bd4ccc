"""The READMEs' pictures and relative links point at files of the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("readme", ["README.md", "config/README.md"])
def test_relative_links_and_images_exist(readme):
    path = REPO / readme
    text = path.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)[^)]*\)", text) + re.findall(r'<img src="([^"]+)"', text)
    local = [t for t in targets if not re.match(r"[a-z]+:", t)]
    assert local, "no relative link found: the pattern is wrong"
    missing = [t for t in local if not (path.parent / t).exists()]
    assert not missing, missing


def test_the_readme_opens_with_a_picture_of_a_figure():
    head = (REPO / "README.md").read_text(encoding="utf-8").split("## Set up and run")[0]
    image = re.search(r'<img src="([^"]+\.png)"', head)
    assert image and (REPO / image.group(1)).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
