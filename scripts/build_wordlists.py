"""Regenerate the word lists shipped in pwa/policy/data/ (build time only).

Usage (from the repository root):

    pip install "wordfreq==3.1.1" "zxcvbn==4.5.0"
    python scripts/build_wordlists.py            # writes the two .txt.gz files
    python scripts/build_wordlists.py --check    # exit 1 if they are out of date

Outputs, one entry per line, most frequent first, folded by
`pwa.policy.normalize.fold` (lower case, accents removed):

- `fr_words.txt.gz`: the French words of wordfreq's `top_n_list("fr", 50000)`
  (letters only, at least two letters). Data licence: CC-BY-SA 4.0.
- `common_passwords.txt.gz`: `common_fr.txt` (hand-curated French list, in
  this repository) followed by the "passwords" frequency list of zxcvbn 4.5
  (MIT). Duplicates keep their first (best) rank.

Neither package is a runtime dependency: the app reads only the .gz files.
The gzip streams carry no timestamp, so a rebuild is byte-for-byte stable.
"""

from __future__ import annotations

import argparse
import gzip
import io
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pwa.policy.normalize import fold  # noqa: E402

DATA = ROOT / "pwa" / "policy" / "data"
FRENCH_TOP_N = 50_000


def french_words() -> list[str]:
    from wordfreq import top_n_list

    return _unique(word for word in map(fold, top_n_list("fr", FRENCH_TOP_N)) if len(word) >= 2 and word.isalpha())


def common_passwords() -> list[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    curated = [
        line.strip()
        for line in (DATA / "common_fr.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return _unique(fold(p) for p in [*curated, *FREQUENCY_LISTS["passwords"]] if p)


def _unique(words: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(words))


def gzipped(lines: list[str]) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as out:
        out.write(("\n".join(lines) + "\n").encode("utf-8"))
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare with the shipped files")
    args = parser.parse_args(argv)
    outputs = {
        "fr_words.txt.gz": gzipped(french_words()),
        "common_passwords.txt.gz": gzipped(common_passwords()),
    }
    stale = [name for name, data in outputs.items() if _read(DATA / name) != data]
    if args.check:
        for name in stale:
            print(f"{name} is out of date: run scripts/build_wordlists.py", file=sys.stderr)
        return 1 if stale else 0
    for name, data in outputs.items():
        (DATA / name).write_bytes(data)
        print(f"wrote {DATA / name} ({len(data):,} bytes)")
    return 0


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


if __name__ == "__main__":
    raise SystemExit(main())
