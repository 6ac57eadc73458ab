"""Generate the synthetic staff and absences of ``instances/kuopio``.

The real staff list is personal data and is not ours to publish, so the Kuopio
instance ships **synthetic people**: invented first names with a letter, no real
person. The script is deterministic (``random.Random(SEED)``), so running it
again rewrites byte-identical ``staff.csv`` and ``absences.csv``::

    python scripts/generate_kuopio_staff.py            # rewrite instances/kuopio
    python scripts/generate_kuopio_staff.py --check    # exit 1 if the files differ

What it makes, and why:

* **148 FTE regular pool** (the deck: 145–150): 135 full-timers and 19
  part-timers (0.8, 0.6 and 0.5 FTE).
* Home points follow the instance's own allocation (``planner allocate`` with the
  default weighting): central duties and the Kuopio area at the Kuopio centre
  office, the Siilinjärvi area at its office, Sisä-Savo at Suonenjoki and
  Leppävirta (the deck: a permanent base "may be in Siilinjärvi or Suonenjoki").
* **Skills**: every local worker is an own coach; employer services, integration
  (more in Kuopio, where most foreign-language clients are), youth and work
  ability are spread at random, topped up so each area has at least four people
  per key process (two named workers per municipality need more than two in reach).
* **10 FTE substitute pool**, broad skills, mostly at the Kuopio centre.
* **A year of absences (2026)**: four weeks of annual leave in June–August for
  everyone, a winter or autumn week for most, a few at Christmas, one to four
  short sick leaves, and three long (parental) leaves.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.instance import Instance  # noqa: E402
from planner.allocation.staff import CENTRAL, allocate  # noqa: E402
from planner.io import TABLES, InstanceError, read_settings, read_table  # noqa: E402

SEED = 20250101
YEAR = 2026
INSTANCE = ROOT / "instances" / "kuopio"
FIRST_NAMES = [
    "Aino",
    "Eino",
    "Helmi",
    "Väinö",
    "Kerttu",
    "Toivo",
    "Sointu",
    "Urho",
    "Lempi",
    "Onni",
    "Ilta",
    "Veikko",
    "Tyyne",
    "Arvo",
    "Siiri",
    "Lauri",
    "Elli",
    "Oiva",
    "Hilja",
    "Aarne",
    "Saima",
    "Reino",
    "Martta",
    "Kalervo",
    "Impi",
    "Sulo",
    "Alli",
    "Taisto",
    "Iiris",
    "Ensio",
]
HOMES = {
    CENTRAL: ["kuopio_centre"],
    "kuopio": ["kuopio_centre"],
    "siilinjarvi": ["siilinjarvi_centre"],
    "sisa_savo": ["suonenjoki", "suonenjoki", "leppavirta"],
}
EXTRA_SKILLS = {  # share of local workers with each skill beyond 'coach'
    "employer": 0.2,
    "integration": 0.2,
    "youth": 0.2,
    "work_ability": 0.15,
}


def _base_instance() -> Instance:
    problems: list = []
    settings = read_settings(INSTANCE, problems)
    tables = {
        t.file: read_table(INSTANCE, t, problems)
        for t in TABLES
        if t.file not in ("staff.csv", "absences.csv")
    }
    if problems or settings is None:
        raise InstanceError(problems)
    return Instance(
        settings=settings,
        areas=tuple(r for _, r in tables["areas.csv"]),
        municipalities=tuple(r for _, r in tables["municipalities.csv"]),
        service_points=tuple(r for _, r in tables["service_points.csv"]),
        staff=(),
    )


def _ftes() -> list[float]:
    return [1.0] * 135 + [0.8] * 10 + [0.6] * 5 + [0.5] * 4


def generate() -> tuple[str, str]:
    rng = random.Random(SEED)
    allocation = allocate(_base_instance(), pool=sum(_ftes()))
    targets = {r.id: r.allocated_fte for r in allocation.rows if r.level in ("central", "area")}
    ftes = _ftes()
    rng.shuffle(ftes)
    buckets: dict[str, list[float]] = {k: [] for k in targets}
    order = list(targets)
    for fte in ftes:
        open_ = [k for k in order if sum(buckets[k]) + fte <= targets[k] + 0.25]
        buckets[(open_ or [order[1]])[0]].append(fte)

    staff_rows = []
    number = 0
    for bucket, bucket_ftes in buckets.items():
        members = []
        for fte in bucket_ftes:
            number += 1
            skills = {"coach"} if bucket != CENTRAL or rng.random() < 0.6 else set()
            for skill, share in EXTRA_SKILLS.items():
                bonus = 0.15 if skill == "integration" and bucket == "kuopio" else 0.0
                if rng.random() < share + bonus:
                    skills.add(skill)
            if not skills:
                skills.add(rng.choice(sorted(EXTRA_SKILLS)))
            members.append(
                {
                    "staff_id": f"s{number:03d}",
                    "name": f"{rng.choice(FIRST_NAMES)} {chr(ord('A') + rng.randrange(26))}.",
                    "fte": fte,
                    "home_point_id": rng.choice(HOMES[bucket]),
                    "skills": skills,
                    "substitute": False,
                }
            )
        if bucket != CENTRAL:
            for skill in ("coach", *EXTRA_SKILLS):
                have = [m for m in members if skill in m["skills"]]
                lacking = [m for m in members if skill not in m["skills"]]
                rng.shuffle(lacking)
                for m in lacking[: max(0, 4 - len(have))]:
                    m["skills"].add(skill)
        staff_rows.extend(members)
    for i in range(1, 11):
        home = "siilinjarvi_centre" if i == 9 else "suonenjoki" if i == 10 else "kuopio_centre"
        skills = {"coach", *rng.sample(sorted(EXTRA_SKILLS), 2)}
        staff_rows.append(
            {
                "staff_id": f"sub{i:02d}",
                "name": f"{rng.choice(FIRST_NAMES)} {chr(ord('A') + rng.randrange(26))}.",
                "fte": 1.0,
                "home_point_id": home,
                "skills": skills,
                "substitute": True,
            }
        )

    staff_out = io.StringIO()
    writer = csv.writer(staff_out, lineterminator="\n")
    writer.writerow(["staff_id", "name", "fte", "home_point_id", "skills", "substitute"])
    for m in staff_rows:
        writer.writerow(
            [
                m["staff_id"],
                m["name"],
                f"{m['fte']:g}",
                m["home_point_id"],
                " ".join(sorted(m["skills"])),
                str(m["substitute"]).lower(),
            ]
        )

    absences_out = io.StringIO()
    writer = csv.writer(absences_out, lineterminator="\n")
    writer.writerow(["staff_id", "start", "end", "reason"])
    long_leave = set(rng.sample([m["staff_id"] for m in staff_rows if not m["substitute"]], 3))
    for m in staff_rows:
        for start, end, reason in _absences(rng, m["staff_id"] in long_leave):
            writer.writerow([m["staff_id"], start.isoformat(), end.isoformat(), reason])
    return staff_out.getvalue(), absences_out.getvalue()


def _monday(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    days = [first + dt.timedelta(d) for d in range((last - first).days + 1)]
    return rng.choice([d for d in days if d.weekday() == 0])


def _absences(rng: random.Random, long_leave: bool) -> list[tuple[dt.date, dt.date, str]]:
    spans: list[tuple[dt.date, dt.date, str]] = []

    def add(start: dt.date, end: dt.date, reason: str) -> None:
        if all(end < s or start > e for s, e, _ in spans):
            spans.append((start, end, reason))

    summer = _monday(rng, dt.date(YEAR, 6, 1), dt.date(YEAR, 7, 27))
    add(summer, summer + dt.timedelta(days=27), "annual leave")
    if long_leave:
        start = _monday(rng, dt.date(YEAR, 1, 5), dt.date(YEAR, 10, 31))
        add(start, start + dt.timedelta(days=rng.choice([60, 90, 120])), "parental leave")
    if rng.random() < 0.7:
        week = (
            _monday(rng, dt.date(YEAR, 2, 16), dt.date(YEAR, 3, 9))
            if rng.random() < 0.6
            else _monday(rng, dt.date(YEAR, 10, 12), dt.date(YEAR, 10, 26))
        )
        add(week, week + dt.timedelta(days=4), "annual leave")
    if rng.random() < 0.3:
        add(dt.date(YEAR, 12, 28), dt.date(YEAR, 12, 31), "annual leave")
    for _ in range(rng.randint(1, 4)):
        start = dt.date(YEAR, 1, 1) + dt.timedelta(days=rng.randrange(365))
        while start.weekday() >= 5:
            start += dt.timedelta(days=1)
        add(start, start + dt.timedelta(days=rng.randint(0, 2)), "sick leave")
    if rng.random() < 0.25:
        start = _monday(rng, dt.date(YEAR, 1, 12), dt.date(YEAR, 11, 23)) + dt.timedelta(1)
        add(start, start + dt.timedelta(days=1), "training")
    return sorted(spans)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the files differ")
    args = parser.parse_args()
    staff, absences = generate()
    files = {INSTANCE / "staff.csv": staff, INSTANCE / "absences.csv": absences}
    if args.check:
        stale = [
            p.name
            for p, text in files.items()
            if not p.exists() or p.read_text(encoding="utf-8") != text
        ]
        print("up to date" if not stale else f"differs: {', '.join(stale)}")
        return 1 if stale else 0
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
