"""make pot, second step: bring every <addon>/i18n/<lang>.po in line with the addon's new .pot.

Run by .ci/pot.sh with .venv's Python:  po_merge.py I18N_DIR
Each .po gets the .pot's entries in the .pot's order, with their comments; a translation is kept
where the msgid is unchanged. New msgids get an empty msgstr and are listed, so that the
translation check of the standalone suite fails until someone translates them; msgids gone
from the .pot are dropped (and listed), never kept as obsolete entries.
"""

import sys
from pathlib import Path

import polib


def merge(pot, po_path):
    old = polib.pofile(str(po_path), wrapwidth=78)
    translations = {entry.msgid: entry.msgstr for entry in old if not entry.obsolete}
    new = polib.POFile(wrapwidth=78)
    new.header = old.header
    new.metadata = dict(old.metadata)
    for key in ("POT-Creation-Date", "PO-Revision-Date"):
        new.metadata[key] = pot.metadata.get(key, "")
    untranslated = []
    for source in pot:
        entry = polib.POEntry(
            msgid=source.msgid,
            msgstr=translations.get(source.msgid, ""),
            occurrences=source.occurrences,
            comment=source.comment,
            tcomment=source.tcomment,
            flags=source.flags,
        )
        if not entry.msgstr:
            untranslated.append(entry.msgid)
        new.append(entry)
    new.save(str(po_path))
    dropped = sorted(set(translations) - {entry.msgid for entry in pot})
    counts = f"{len(new)} entries, {len(untranslated)} to translate, {len(dropped)} dropped"
    print(f"{po_path.name}: {counts}")
    for msgid in untranslated:
        print(f"  to translate: {msgid!r}")
    for msgid in dropped:
        print(f"  dropped: {msgid!r}")


def main(i18n):
    folder = Path(i18n)
    pot = polib.pofile(str(folder / f"{folder.resolve().parent.name}.pot"))
    for po_path in sorted(folder.glob("*.po")):
        merge(pot, po_path)


if __name__ == "__main__":
    main(sys.argv[1])
