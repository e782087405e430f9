"""Benchmark: reading Event Viewer text exports of 1, 10 and 100 MB, and one huge line.

Generates, for each layout a helpdesk receives (the classic viewer's copy in
English and in French, Vista's "Copy details as text", Windows 2003's
comma- and tab-delimited "Save Log File As", Vista's CSV), files of each size
in the encoding Windows writes them in, plus a classic paste whose whole
description is one line of that size (words and long runs of spaces, where a
backtracking expression once took minutes). Then times, side by side:

* floor: just decoding the file and splitting it into lines, and
* parse: ``kbassist.evidence.eventlog.parse`` (the reader the CLI uses),

each in a fresh process so its peak memory (max RSS) is its own. Prints, per
layout and size, medians, MB/s and peak memory, and per layout the ratio of
its MB/s at the largest size to that at the smallest: near 1 when reading
time grows in proportion to the input, far below when it grows faster.

    .venv/bin/python bench/eventlog_text_bench.py [--sizes 1,10,100] [--runs 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from registry_bench import FLOOR, run  # the same floor, the same fresh process per run

GUID = "_c78290b817c75f4bac724d36582fdeea_D"
MAX = "The configured maximum number of event notification registrations is 8."


def _message(i: int) -> str:
    if i % 4 == 0:
        return (
            "User SYSTEM has exceeded the allowed maximum number of simultaneous registrations "
            f"for MAPI notifications.\n\n{MAX}"
        )
    return (
        f"Message delivery to the remote domain '{GUID if i % 8 == 1 else 'contoso.com'}' failed. "
        "The error message is 'Unable to bind to the destination server in DNS.'"
    )


def _kind(i: int) -> tuple[str, str, str]:
    return ("MSExchangeIS", "9671", "Error") if i % 4 == 0 else ("smtpsvc", "4000", "Warning")


def classic_en(i: int) -> str:
    source, number, level = _kind(i)
    return (
        f"Event Type:\t{level}\nEvent Source:\t{source}\nEvent Category:\tNone\n"
        f"Event ID:\t{number}\nDate:\t\t3/2/2006\nTime:\t\t5:01:57 AM\nUser:\t\tN/A\n"
        f"Computer:\tSRV{i}\nDescription:\n{_message(i)}\n\nData:\n"
        "0000: c7 02 04 c0               Ç..À\n"
    )


def classic_fr(i: int) -> str:
    source, number, level = _kind(i)
    level = {"Error": "Erreur", "Warning": "Avertissement"}[level]
    return (
        f"Type de l'événement\u00a0:\t{level}\nSource de l'événement\u00a0:\t{source}\n"
        f"Catégorie de l'événement\u00a0:\tAucun\nID de l'événement\u00a0:\t{number}\n"
        f"Date\u00a0:\t\t02/03/2006\nHeure\u00a0:\t\t05:01:57\nUtilisateur\u00a0:\t\tN/A\n"
        f"Ordinateur\u00a0:\tSRV{i}\nDescription\u00a0:\n{_message(i)}\n\n"
    )


def details_en(i: int) -> str:
    source, number, level = _kind(i)
    return (
        f"Log Name:      Application\nSource:        {source}\n"
        f"Date:          3/2/2006 5:01:57 AM\nEvent ID:      {number}\n"
        f"Task Category: None\nLevel:         {level}\nKeywords:      Classic\n"
        f"User:          N/A\nComputer:      SRV{i}.contoso.local\nDescription:\n"
        f"{_message(i)}\nEvent Xml:\n"
        '<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">\n'
        f'  <System>\n    <Provider Name="{source}" />\n    <EventID>{number}</EventID>\n'
        f"    <Computer>SRV{i}.contoso.local</Computer>\n  </System>\n"
        "  <EventData>\n    <Data>SYSTEM</Data>\n  </EventData>\n</Event>\n"
    )


def _saved(delimiter: str) -> Callable[[int], str]:
    def line(i: int) -> str:
        source, number, level = _kind(i)
        text = _message(i).replace("\n", " ")
        return (
            delimiter.join(
                ["3/2/2006", "5:01:57 AM", source, level, "None", number, "N/A", f"SRV{i}", text]
            )
            + "\n"
        )

    return line


def vista_csv(i: int) -> str:
    source, number, level = _kind(i)
    head = "Level,Date and Time,Source,Event ID,Task Category\n" if i == 0 else ""
    text = _message(i).replace('"', '""')
    return f'{head}{level},3/2/2006 5:01:57 AM,{source},{number},None,"{text}"\n'


# layout -> (one event's text, the encoding Windows writes it in)
LAYOUTS: dict[str, tuple[Callable[[int], str], str]] = {
    "classic-en": (classic_en, "cp1252"),
    "classic-fr": (classic_fr, "utf-16"),
    "details-en": (details_en, "utf-16"),
    "saved-csv": (_saved(","), "cp1252"),
    "saved-tsv": (_saved("\t"), "cp1252"),
    "vista-csv": (vista_csv, "utf-8-sig"),
}


def generate(path: Path, layout: str, megabytes: float) -> None:
    event, encoding = LAYOUTS[layout]
    target = int(megabytes * 1_000_000)
    with path.open("w", encoding=encoding, newline="\r\n") as out:
        i = 0
        while out.tell() < target:
            out.write("".join(event(i + j) for j in range(500)))
            i += 500


def generate_huge_line(path: Path, megabytes: float) -> None:
    """One classic event whose description is a single line of the whole size."""
    target = int(megabytes * 1_000_000)
    with path.open("w", encoding="cp1252", newline="\r\n") as out:
        out.write(classic_en(0).split("Description:")[0] + "Description:\nUser ")
        block = "word " * 200 + " " * 4000 + "\t" * 1000
        while out.tell() < target:
            out.write(block)
        out.write(f"SYSTEM has exceeded the allowed maximum.\n\n{MAX}\n")


PARSE = """
import sys, time
from pathlib import Path
from kbassist.evidence import eventlog
start = time.perf_counter()
artifact = eventlog.parse(Path(sys.argv[1]))
assert artifact.summary()["facts"]["event.msexchangeis-9671.count"] >= 1
print(time.perf_counter() - start)
"""


def measure(path: Path, runs: int) -> dict:
    size = path.stat().st_size / 1e6
    samples: dict[str, list[tuple[float, float]]] = {"floor": [], "parse": []}
    for _ in range(runs):  # interleaved, so both see the same machine state
        samples["floor"].append(run(FLOOR, path))
        samples["parse"].append(run(PARSE, path))
    out: dict = {"file_mb": round(size, 1)}
    for name, got in samples.items():
        seconds = statistics.median(s for s, _ in got)
        out[f"{name}_median_s"] = round(seconds, 3)
        out[f"{name}_mb_per_s"] = round(size / seconds, 1)
        out[f"{name}_peak_mib"] = round(max(m for _, m in got), 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100", help="megabytes, comma-separated")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="directory for the generated files")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    directory = args.keep or Path(tempfile.mkdtemp(prefix="kbassist-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    results: dict = {}
    linear: dict[str, float] = {}
    for layout in [*LAYOUTS, "huge-line"]:
        speeds = []
        for mb in sizes:
            path = directory / f"{layout}-{mb}mb.txt"
            if not path.exists():
                if layout == "huge-line":
                    generate_huge_line(path, mb)
                else:
                    generate(path, layout, mb)
            print(f"{layout} {mb} MB", file=sys.stderr, flush=True)
            got = measure(path, args.runs)
            results[f"{layout} {mb} MB"] = got
            speeds.append(got["parse_mb_per_s"])
            if not args.keep:
                path.unlink()
        linear[layout] = round(speeds[-1] / speeds[0], 2)
    results["largest_over_smallest_mb_per_s"] = linear
    results["least_linear"] = min(linear.values())
    results["slowest_mb_per_s"] = min(
        r["parse_mb_per_s"] for name, r in results.items() if name.endswith(f" {sizes[-1]} MB")
    )
    results["peak_mib"] = max(
        r["parse_peak_mib"]
        for r in results.values()
        if isinstance(r, dict) and "parse_peak_mib" in r
    )
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
