"""The Danish and Norwegian catalogues are complete, consistent, compiled and used by the app.

Every user-facing string is extracted exactly as `make translations` does (babel.cfg plus the
`_l` and `lazy_gettext` keywords) and must be translated in every catalogue below. When one of
these tests fails after you added or changed text:

    make translations        # extract, merge into pulse/translations/*/LC_MESSAGES/messages.po
    # translate the new empty (and any "#, fuzzy") entries in da and nb, then
    .venv/bin/pybabel compile -d pulse/translations

English has no catalogue: the message ids are English and Flask-Babel falls back to them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from babel.support import Translations

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "pulse" / "translations"
#: Every catalogue that must be complete. English needs none (see the module docstring).
LOCALES = ("da", "nb")
#: The same keywords the Makefile passes to `pybabel extract` (-k _l -k lazy_gettext).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}

FIX_HINT = (
    "Run `make translations`, translate the new entries in "
    "pulse/translations/{da,nb}/LC_MESSAGES/messages.po, then "
    "`.venv/bin/pybabel compile -d pulse/translations`."
)

#: One printf-style conversion, as Python's `%` operator reads it (and Jinja's newstyle gettext
#: applies to every template string, with or without variables).
PLACEHOLDER = re.compile(
    r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]"
)

#: What the app must say: through flask_babel.gettext, a lazy string, a template (Jinja's
#: newstyle gettext) and ngettext. "Send answers" reads the same in both languages, so the other
#: strings are picked to tell Danish and Norwegian apart.
EXPECTED = {
    "da": {
        "Send answers": "Send svar",
        "Language": "Sprog",
        "Tillidspuls": "Tillidspuls",
        "3 questions": "3 spørgsmål",
        "1 minute": "ca. 1 minut",
    },
    "nb": {
        "Send answers": "Send svar",
        "Language": "Språk",
        "Tillidspuls": "Tillitspuls",
        "3 questions": "3 spørsmål",
        "1 minute": "ca. 1 minutt",
    },
}


# --- helpers -------------------------------------------------------------------------------


def _key(message_id: str | tuple[str, ...], context: str | None) -> tuple[str, str | None]:
    """A message's identity: its singular msgid and its context."""
    singular = message_id[0] if isinstance(message_id, (tuple, list)) else message_id
    return singular, context


def _describe(key: tuple[str, str | None]) -> str:
    msgid, context = key
    return f"{msgid!r}" + (f" (context {context!r})" if context else "")


def _placeholders(text: str) -> tuple[list[str], bool]:
    """The sorted distinct format placeholders in `text`, and whether a stray `%` is left."""
    found = sorted(set(PLACEHOLDER.findall(text)))
    return found, "%" in PLACEHOLDER.sub("", text)


def _forms(message: Message) -> list[str]:
    string = message.string
    if isinstance(string, (tuple, list)):
        return list(string)
    return [string or ""]


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def extracted() -> dict[tuple[str, str | None], tuple[bool, list[str]]]:
    """Every translatable string in the code and templates: key -> (is plural, where)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, "babel.cfg")
    found: dict[tuple[str, str | None], tuple[bool, list[str]]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        key = _key(message, context)
        plural = isinstance(message, (tuple, list)) and len(message) > 1
        was_plural, places = found.get(key, (False, []))
        found[key] = (was_plural or plural, [*places, f"{filename}:{lineno}"])
    return found


@pytest.fixture(scope="module", params=LOCALES)
def catalog(request) -> Catalog:
    path = TRANSLATIONS / request.param / "LC_MESSAGES" / "messages.po"
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing. {FIX_HINT}"
    with path.open("rb") as po:
        return read_po(po, locale=request.param)


def _entries(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


# --- (a) every extracted string is in every catalogue --------------------------------------


def test_extraction_finds_the_user_facing_text(extracted):
    ids = {msgid for msgid, _context in extracted}
    # A template string, a lazy string from Python, and a plural: if these go, babel.cfg broke.
    assert {"Send answers", "Leader", "%(num)d question"} <= ids, sorted(ids)


def test_every_extracted_string_is_in_the_catalogue(extracted, catalog):
    present = {_key(message.id, message.context): message for message in _entries(catalog)}
    missing = [
        f"  {_describe(key)}  ({', '.join(places)})"
        for key, (_plural, places) in sorted(extracted.items(), key=lambda item: item[0][0])
        if key not in present
    ]
    assert not missing, (
        f"{len(missing)} string(s) not in the {catalog.locale} catalogue:\n"
        + "\n".join(missing)
        + f"\n{FIX_HINT}"
    )
    not_plural = [
        f"  {_describe(key)}"
        for key, (plural, _places) in extracted.items()
        if plural and not present[key].pluralizable
    ]
    assert not not_plural, (
        f"used with ngettext but singular in the {catalog.locale} catalogue:\n"
        + "\n".join(not_plural)
        + f"\n{FIX_HINT}"
    )


def test_catalogue_has_no_strings_the_code_no_longer_uses(extracted, catalog):
    stale = [
        f"  {_describe(key)}"
        for message in _entries(catalog)
        if (key := _key(message.id, message.context)) not in extracted
    ]
    assert not stale, (
        f"{len(stale)} entr(y/ies) in the {catalog.locale} catalogue no longer in the code:\n"
        + "\n".join(stale)
        + "\nRun `make translations` to drop them."
    )


# --- (b) complete, not fuzzy, placeholders intact -------------------------------------------


def test_catalogue_is_not_marked_fuzzy(catalog):
    # A fuzzy header (or no header at all) makes `pybabel compile` skip the whole catalogue.
    assert not catalog.fuzzy, (
        f"the {catalog.locale} catalogue's header is fuzzy or missing, so `pybabel compile` "
        "skips it: remove '#, fuzzy' from the header entry (msgid \"\")."
    )


def test_every_entry_is_translated_and_not_fuzzy(catalog):
    untranslated = [
        f"  {message.id!r}"
        for message in _entries(catalog)
        if not all(form.strip() for form in _forms(message))
    ]
    fuzzy = [f"  {message.id!r}" for message in _entries(catalog) if message.fuzzy]
    problems = []
    if untranslated:
        problems.append(f"untranslated in {catalog.locale}:\n" + "\n".join(untranslated))
    if fuzzy:
        problems.append(
            f"fuzzy in {catalog.locale} (check the translation, then remove the "
            "'#, fuzzy' flag):\n" + "\n".join(fuzzy)
        )
    assert not problems, "\n".join(problems)


def test_plural_entries_have_every_plural_form(catalog):
    wrong = [
        f"  {message.id!r}: {len(_forms(message))} form(s), {catalog.num_plurals} needed"
        for message in _entries(catalog)
        if message.pluralizable and len(_forms(message)) != catalog.num_plurals
    ]
    assert not wrong, f"plural forms in {catalog.locale}:\n" + "\n".join(wrong)


def test_placeholders_match_the_message_id(catalog):
    wrong = []
    for message in _entries(catalog):
        ids = list(message.id) if message.pluralizable else [message.id]
        expected = sorted({p for msgid in ids for p in _placeholders(msgid)[0]})
        stray_expected = any(_placeholders(msgid)[1] for msgid in ids)
        for form in _forms(message):
            if not form:
                continue  # untranslated: reported by the test above
            found, stray = _placeholders(form)
            if found != expected or (stray and not stray_expected):
                wrong.append(
                    f"  {ids[0]!r}\n    -> {form!r}\n"
                    f"    expected {expected}, found {found}"
                    + (" and a stray '%' (write '%%')" if stray and not stray_expected else "")
                )
    assert not wrong, f"placeholders differ in {catalog.locale}:\n" + "\n".join(wrong)


# --- (c) the compiled catalogue is current and the app uses it -----------------------------


def test_compiled_catalogue_matches_the_po_file(catalog):
    mo = TRANSLATIONS / str(catalog.locale) / "LC_MESSAGES" / "messages.mo"
    compile_hint = "run `.venv/bin/pybabel compile -d pulse/translations` (`make test` does)"
    assert mo.is_file(), f"{mo.relative_to(ROOT)} is missing: {compile_hint}."
    with mo.open("rb") as compiled:
        translations = Translations(compiled)
    stale = []
    for message in _entries(catalog):
        if message.fuzzy or not all(_forms(message)):
            continue  # never compiled; reported by the tests above
        if message.pluralizable:
            singular, plural = message.id[0], message.id[1]
            got = [translations.ngettext(singular, plural, n) for n in (1, 2)]
            want = [_forms(message)[translations.plural(n)] for n in (1, 2)]
        else:
            got, want = translations.gettext(message.id), message.string
        if got != want:
            stale.append(f"  {message.id!r}")
    assert not stale, (
        f"{mo.relative_to(ROOT)} is older than its .po file ({len(stale)} entries differ): "
        f"{compile_hint}.\n" + "\n".join(stale[:10])
    )


@pytest.fixture(scope="module")
def bare_app():
    """The application without a database (conftest's `app` migrates one; none is needed)."""
    from pulse import create_app

    return create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.mark.parametrize("locale", LOCALES)
def test_the_app_speaks_the_locale(bare_app, locale):
    from flask import render_template_string
    from flask_babel import force_locale, gettext, lazy_gettext, ngettext

    expected = EXPECTED[locale]
    with bare_app.test_request_context(), force_locale(locale):
        assert gettext("Send answers") == expected["Send answers"]
        assert str(lazy_gettext("Language")) == expected["Language"]
        rendered = render_template_string('{{ _("Tillidspuls") }}|{{ _("Send answers") }}')
        assert rendered == f"{expected['Tillidspuls']}|{expected['Send answers']}"
        questions = ngettext("%(num)d question", "%(num)d questions", 3)
        assert questions == expected["3 questions"]
        minutes = ngettext("about %(num)d minute", "about %(num)d minutes", 1)
        assert minutes == expected["1 minute"]


def test_english_falls_back_to_the_message_ids(bare_app):
    from flask_babel import force_locale, gettext, ngettext

    with bare_app.test_request_context(), force_locale("en"):
        assert gettext("Send answers") == "Send answers"
        assert ngettext("%(num)d question", "%(num)d questions", 1) == "1 question"
        assert ngettext("%(num)d question", "%(num)d questions", 3) == "3 questions"
