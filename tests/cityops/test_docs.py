"""docs/domain.md is the document the code cites (`docs/domain.md §n`): every cited section exists."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP = {"node_modules", ".venv", "var", ".git", "test-output", "locale"}
CITATION = re.compile(r"domain\.md\s*§\s*(\d+)(?:\s*[–-]\s*§?\s*(\d+))?")


def _sources():
    for path in ROOT.rglob("*"):
        if path.suffix in {".py", ".html", ".md", ".txt", ".js", ".toml"} and path.is_file():
            if not SKIP & set(path.relative_to(ROOT).parts):
                yield path


def _sections() -> set[int]:
    text = (ROOT / "docs" / "domain.md").read_text()
    return {int(n) for n in re.findall(r"^## (\d+)\. ", text, re.M)}


def test_every_cited_section_of_docs_domain_md_exists():
    sections = _sections()
    missing = []
    for path in _sources():
        for match in CITATION.finditer(path.read_text(errors="replace")):
            first, last = int(match.group(1)), int(match.group(2) or match.group(1))
            missing += [(str(path.relative_to(ROOT)), n) for n in range(first, last + 1) if n not in sections]
    assert not missing, f"cited sections missing from docs/domain.md: {missing}"


def test_the_sections_are_numbered_in_order_and_the_code_cites_them():
    sections = sorted(_sections())
    assert sections == list(range(1, len(sections) + 1))
    cited = set()
    for path in _sources():
        cited |= {int(m.group(1)) for m in CITATION.finditer(path.read_text(errors="replace"))}
    assert cited >= {1, 2, 3, 4, 5, 6, 7}


def test_no_comment_cites_a_domain_document_outside_the_repository():
    """103 comments cited "docs/domain.md §n", a document the repository did not hold (issue 16.6)."""
    stray = [
        str(path.relative_to(ROOT))
        for path in _sources()
        if path.name != "test_docs.py"
        and re.search(r"(?<![\w./])DOMAIN(?:\.md)?\s*§", path.read_text(errors="replace"))
    ]
    assert not stray, f"cite docs/domain.md §n instead: {stray}"
