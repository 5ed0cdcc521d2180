"""The English catalogue (locale/en): complete, compiled, and actually used.

The UI is written in Chinese and wrapped for translation; locale/en/LC_MESSAGES/django.po holds the
English, and the compiled django.mo is committed so a machine without gettext serves English too.
Re-generate with `manage.py makemessages -l en ...`, translate, then `manage.py compilemessages -l en`.
"""

import gettext
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings

from cases.web.queues import QUEUES
from tests.factories import UserFactory

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"

# CJK ideographs and CJK punctuation / full-width forms (，。：「」（）…).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


# ---- a tiny .po reader (stdlib only)

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


def read_po(path: Path) -> list[dict]:
    """Entries as dicts: msgctxt, msgid, msgid_plural, msgstr (str, or {index: str}), flags, line.

    Obsolete entries (#~) are skipped; the header (msgid "") is included.
    """
    entries = []
    entry: dict = {}
    field = None

    def finish():
        nonlocal entry, field
        if "msgid" in entry:
            entries.append(entry)
        entry, field = {}, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#~"):
            continue
        elif line.startswith("#,"):
            if "msgid" in entry:
                finish()
            entry.setdefault("flags", set()).update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            if "msgid" in entry:
                finish()
        elif line.startswith('"'):
            assert field is not None, f"{path}:{number}: continuation without a keyword"
            if isinstance(field, tuple):
                entry["msgstr"][field[1]] += _unquote(line)
            else:
                entry[field] += _unquote(line)
        else:
            keyword, _, rest = line.partition(" ")
            if keyword == "msgctxt" and "msgid" in entry:
                finish()
            match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if match:
                entry.setdefault("msgstr", {})
                field = ("msgstr", int(match.group(1)))
                entry["msgstr"][field[1]] = _unquote(rest)
            elif keyword in ("msgctxt", "msgid", "msgid_plural", "msgstr"):
                field = keyword
                entry[keyword] = _unquote(rest)
                entry.setdefault("line", number)
            else:
                raise AssertionError(f"{path}:{number}: unexpected line {raw!r}")
    finish()
    for e in entries:
        e.setdefault("flags", set())
        e.setdefault("msgctxt", None)
        e.setdefault("msgid_plural", None)
    return entries


def _where(entry: dict) -> str:
    return f"{PO.name}:{entry['line']} {entry['msgid']!r}"


def _messages() -> list[dict]:
    return [e for e in read_po(PO) if e["msgid"] != ""]


# ---- the catalogue itself


def test_the_catalogue_exists_and_is_substantial():
    assert PO.is_file() and MO.is_file()
    assert len(_messages()) > 500


def test_the_header_declares_english_utf8_and_english_plurals():
    header = next(e for e in read_po(PO) if e["msgid"] == "")
    assert "fuzzy" not in header["flags"]
    assert "Language: en\n" in header["msgstr"]
    assert "charset=UTF-8" in header["msgstr"]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"]


def test_every_message_is_translated_and_none_is_fuzzy():
    untranslated, fuzzy = [], []
    for e in _messages():
        if "fuzzy" in e["flags"]:
            fuzzy.append(_where(e))
        forms = e["msgstr"].values() if e["msgid_plural"] is not None else [e["msgstr"]]
        if e["msgid_plural"] is not None and sorted(e["msgstr"]) != [0, 1]:
            untranslated.append(_where(e) + " (needs msgstr[0] and msgstr[1])")
        elif not all(form.strip() for form in forms):
            untranslated.append(_where(e))
    assert not untranslated, "untranslated:\n" + "\n".join(untranslated)
    assert not fuzzy, "fuzzy:\n" + "\n".join(fuzzy)


def test_translations_are_english():
    """No Chinese left in a translation, except the endonym of Chinese in the language list."""
    allowed = {"简体中文"}
    chinese = []
    for e in _messages():
        forms = e["msgstr"].values() if e["msgid_plural"] is not None else [e["msgstr"]]
        chinese += [_where(e) for form in forms if CJK.search(form) and form not in allowed]
    assert not chinese, "\n".join(chinese)


_PY_FORMAT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc%]")
_BRACE = re.compile(r"\{[^{}]*\}")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def _placeholders(text: str, flags: set) -> list[str]:
    found = _TAG.findall(text)
    if "python-format" in flags:
        found += _PY_FORMAT.findall(text)
    if "python-brace-format" in flags:
        found += _BRACE.findall(text)
    return sorted(found)


def test_translations_keep_placeholders_and_markup():
    wrong = []
    for e in _messages():
        want = _placeholders(e["msgid"], e["flags"])
        forms = e["msgstr"].values() if e["msgid_plural"] is not None else [e["msgstr"]]
        wrong += [f"{_where(e)} → {form!r}" for form in forms if _placeholders(form, e["flags"]) != want]
    assert not wrong, "\n".join(wrong)


def test_the_compiled_catalogue_matches_the_po_file():
    """django.mo is committed: it must be compiled from the django.po next to it, not an older one."""
    with MO.open("rb") as f:
        catalog = gettext.GNUTranslations(f)._catalog
    expected = {}
    for e in _messages():
        key = e["msgid"] if e["msgctxt"] is None else f"{e['msgctxt']}\x04{e['msgid']}"
        if e["msgid_plural"] is not None:
            for index, form in e["msgstr"].items():
                expected[(key, index)] = form
        else:
            expected[key] = e["msgstr"]
    compiled = {k: v for k, v in catalog.items() if k != ""}
    stale = sorted(str(k) for k in expected if compiled.get(k) != expected[k])
    extra = sorted(str(k) for k in compiled if k not in expected)
    assert not stale and not extra, (
        "django.mo is out of date: run `manage.py compilemessages -l en`\n"
        f"differs or missing: {stale[:20]}\nonly in .mo: {extra[:20]}"
    )


# ---- pages in English


class _VisibleText(HTMLParser):
    """Text a user sees or hears: text nodes and the labelling attributes, minus script/style and
    anything explicitly marked as another language (the 中文 switch button is lang="zh-hans")."""

    ATTRS = ("title", "aria-label", "placeholder", "alt", "data-confirm")
    VOID = {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, hidden from this check)

    def _hidden(self) -> bool:
        return any(hidden for _, hidden in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = (attrs.get("lang") or "").lower()
        hidden = tag in ("script", "style") or (lang.startswith("zh") and tag != "html")
        if not hidden and not self._hidden():
            self.parts += [attrs[a] for a in self.ATTRS if attrs.get(a)]
        if tag not in self.VOID:
            self.stack.append((tag, hidden))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if data.strip() and not self._hidden():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


def _assert_english(html: str):
    assert '<html lang="en"' in html
    text = visible_text(html)
    chinese = [line for line in text.splitlines() if CJK.search(line)]
    assert not chinese, "Chinese left on an English page:\n" + "\n".join(chinese)
    return text


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.django_db
def test_the_login_page_is_in_english(english):
    response = english.get("/login/")
    assert response.status_code == 200
    text = _assert_english(response.content.decode())
    assert "Sign in to CityOps" in text and "Sign in" in text
    assert "Username" in text and "Password" in text


@pytest.mark.django_db
def test_a_wrong_password_is_refused_in_english(english):
    UserFactory(username="lead", roles=["shift_leader"])
    response = english.post("/login/", {"username": "lead", "password": "wrong"})
    assert response.status_code == 200
    _assert_english(response.content.decode())


@pytest.mark.django_db
def test_the_shift_leaders_home_page_is_in_english(english):
    user = UserFactory(username="lead", first_name="Li Wei", roles=["shift_leader"])
    english.force_login(user)
    response = english.get("/")
    assert response.status_code == 200
    text = _assert_english(response.content.decode())
    assert "Workbench" in text and "Li Wei's workbench" in text
    assert "Work queues" in text and "No unread notifications." in text
    assert "Pending filing" in text and "Pending closure" in text
    assert "Sign out" in text
    queues = [q for q in QUEUES if "shift_leader" in q.roles]
    assert queues and all(str(q.label) in text for q in queues)


@pytest.mark.django_db
def test_chinese_stays_the_default(client):
    """Without the cookie the same page is Chinese: the catalogue does not leak into zh-hans."""
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert '<html lang="zh-hans"' in html and "登录 CityOps" in html and "Sign in to CityOps" not in html
