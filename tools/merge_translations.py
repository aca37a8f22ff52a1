"""Fill the da and nb catalogues from JSON files of translations ({msgid: {"da": .., "nb": ..}}).

    python tools/merge_translations.py bench/translations_*.json

Only empty entries are filled; prints the msgids still untranslated.
"""

import json
import sys

from babel.messages.pofile import read_po, write_po

LOCALES = ("da", "nb")


def main(paths: list[str]) -> None:
    table: dict[str, dict] = {}
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            table.update(json.load(handle))
    for locale in LOCALES:
        path = f"pulse/translations/{locale}/LC_MESSAGES/messages.po"
        with open(path, "rb") as handle:
            catalogue = read_po(handle)
        missing = []
        for message in catalogue:
            if not message.id:
                continue
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            empty = not message.string or (
                isinstance(message.string, tuple) and not all(message.string)
            )
            if empty and key in table and locale in table[key]:
                value = table[key][locale]
                message.string = tuple(value) if isinstance(message.id, tuple) else value
            elif empty:
                missing.append(key)
            message.flags.discard("fuzzy")
        with open(path, "wb") as handle:
            write_po(handle, catalogue, width=76)
        for key in missing:
            print(f"{locale}: {key!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
