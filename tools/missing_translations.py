"""Developer helper: list the msgids without a French translation, grouped by source file.

    python tools/missing_translations.py [path-substring]
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.test_i18n import extracted, french_catalog  # noqa: E402


def main() -> None:
    only = sys.argv[1] if len(sys.argv) > 1 else ""
    catalog = french_catalog()
    for msgid, files in sorted(extracted().items(), key=lambda kv: kv[1][0]):
        if only and not any(only in f for f in files):
            continue
        if msgid not in catalog or not catalog[msgid].string:
            print(f"# {files[0]}\nmsgid {msgid!r}\n")


if __name__ == "__main__":
    main()
