"""A data pipeline with large query results: 20,000 US domestic flights of Q1 2001 (the Bureau of
Transportation Statistics' on-time data, as vega-datasets 3.2.1 ships it: data/flights-20k.json) and
3,376 US airports (Data.gov, data/airports.csv), loaded into SQLite with the sqlite3 shell and queried
with it. The dashboard's worst-delay airport (BMI) rests on six flights; the model checks it against the
full listings, makes the report require 20 flights and writes down what it found. The expected facts are
computed from the data files in Python, independently of SQLite."""

from __future__ import annotations

import csv
import io
import json
import tarfile
from pathlib import Path

from agent import Needle, Step, Trajectory
from downloads import npm_tarball

PACKAGE = ("vega-datasets", "3.2.1")
FILES = ("data/flights-20k.json", "data/airports.csv")
LOAD = """-- Load the raw exports into flights.db: sqlite3 flights.db < pipeline/load.sql
DROP TABLE IF EXISTS airports;
DROP TABLE IF EXISTS flights;
.import --csv data/airports.csv airports
CREATE TABLE flights AS
  SELECT json_extract(value, '$.date') AS date,
         json_extract(value, '$.delay') AS delay,
         json_extract(value, '$.distance') AS distance,
         json_extract(value, '$.origin') AS origin,
         json_extract(value, '$.destination') AS destination
  FROM json_each(readfile('data/flights-20k.json'));
CREATE INDEX flights_origin ON flights(origin);
"""
REPORT = """-- Worst average departure delay by origin airport, Q1 2001 (the dashboard's top ten)
SELECT f.origin, a.name, a.city, COUNT(*) AS flights, ROUND(AVG(f.delay), 1) AS avg_delay
FROM flights f JOIN airports a ON a.iata = f.origin
GROUP BY f.origin
ORDER BY avg_delay DESC
LIMIT 10;
"""
MIN_FLIGHTS = 20


def prefetch() -> None:
    npm_tarball(*PACKAGE, offline=False)


def _facts(flights: list[dict], airports: dict[str, dict]) -> dict[str, str]:
    by_origin: dict[str, list[int]] = {}
    for flight in flights:
        by_origin.setdefault(flight["origin"], []).append(flight["delay"])
    averages = {k: sum(v) / len(v) for k, v in by_origin.items()}
    worst = max(averages, key=averages.get)
    qualified = max((k for k, v in by_origin.items() if len(v) >= MIN_FLIGHTS), key=averages.get)
    late = sorted(f["date"] for f in flights if f["origin"] == worst and f["delay"] > 60)
    return {"worst": worst, "worst_name": airports[worst]["name"], "worst_flights": str(len(by_origin[worst])),
            "worst_late": late[0], "qualified": qualified}


def build(root: Path, urls: dict[str, str]) -> Trajectory:
    (root / "data").mkdir()
    with tarfile.open(npm_tarball(*PACKAGE)) as package:
        for name in FILES:
            (root / name).write_bytes(package.extractfile(f"package/{name}").read())
    (root / "pipeline").mkdir()
    (root / "pipeline" / "load.sql").write_text(LOAD)
    (root / "pipeline" / "report.sql").write_text(REPORT)
    (root / ".gitignore").write_text("flights.db\nout/\n")
    (root / "README.md").write_text(
        "# delays\n\nQ1 2001 flight delays: `data/flights-20k.json` (BTS on-time data) and `data/airports.csv`.\n"
        "`sqlite3 flights.db < pipeline/load.sql` loads them; `pipeline/report.sql` is the dashboard query.\n")
    flights = json.loads((root / FILES[0]).read_text())
    airports = {row["iata"]: row for row in csv.DictReader(io.StringIO((root / FILES[1]).read_text()))}
    facts = _facts(flights, airports)
    worst = facts["worst"]
    db = "sqlite3 -header -column flights.db"
    steps = [
        Step("Bash", {"command": "ls -la data pipeline && wc -c data/*"}, "What is in the export?", seconds=1),
        Step("Read", {"file_path": "{cwd}/README.md"}, seconds=2),
        Step("Read", {"file_path": "{cwd}/pipeline/load.sql"}, seconds=2),
        Step("Bash", {"command": "head -c 400 data/flights-20k.json; echo; head -n 5 data/airports.csv"}, seconds=1),
        Step("Bash", {"command": "sqlite3 flights.db < pipeline/load.sql && sqlite3 flights.db "
                                 "'SELECT COUNT(*) FROM flights; SELECT COUNT(*) FROM airports;'"},
             "Loading.", seconds=4),
        Step("Read", {"file_path": "{cwd}/pipeline/report.sql"}, "The dashboard query.", edit=True, seconds=2),
        Step("Bash", {"command": f"{db} < pipeline/report.sql"}, "Running it as the dashboard does.", seconds=2),
        Step("Bash", {"command": "sqlite3 -header flights.db 'SELECT * FROM airports'"},
             f"Is {worst} in the airport list, and what is it?",
             Needle("worst_name", rf"{worst}\|([^|]+)\|", facts["worst_name"], grep=f"^{worst}",
                    query=f"{worst} airport name"), seconds=2),
        Step("Bash", {"command": f"{db} 'SELECT origin, COUNT(*) AS flights, ROUND(AVG(delay), 1) AS avg_delay, "
                                 "MAX(delay) AS worst FROM flights GROUP BY origin ORDER BY flights DESC'"},
             f"How many flights does {worst} have, against the others?",
             Needle("worst_flights", rf"\b{worst}\s+(\d+)\s", facts["worst_flights"], grep=worst,
                    query=f"{worst} flights avg_delay"), seconds=2),
        Step("Bash", {"command": f"{db} \"SELECT * FROM flights WHERE origin = '{worst}' ORDER BY date\""}, seconds=1),
        Step("Bash", {"command": f"{db} 'SELECT f.date, f.origin, a.city, f.destination, f.delay, f.distance "
                                 "FROM flights f JOIN airports a ON a.iata = f.origin WHERE f.delay > 60 "
                                 "ORDER BY f.date'"},
             f"Every delay over an hour; when was {worst}'s first?",
             Needle("worst_late", rf"(\d{{4}}/\d\d/\d\d \d\d:\d\d)\s+{worst}\s", facts["worst_late"], grep=f" {worst} ",
                    query=f"{worst} delay"), seconds=3),
        Step("Bash", {"command": f"{db} 'SELECT substr(date, 1, 10) AS day, COUNT(*) AS flights, "
                                 "ROUND(AVG(delay), 1) AS avg_delay FROM flights GROUP BY day ORDER BY day'"},
             seconds=2),
        Step("Bash", {"command": "sqlite3 -json flights.db \"SELECT * FROM flights WHERE date LIKE '2001/02/12%'\""},
             "The busiest day in detail.", seconds=2),
        Step("Edit", {"file_path": "{cwd}/pipeline/report.sql", "old_string": "GROUP BY f.origin\n",
                      "new_string": f"GROUP BY f.origin\nHAVING COUNT(*) >= {MIN_FLIGHTS}\n"},
             f"{worst} has only {{worst_flights}} flights: the report needs a minimum.", seconds=2),
        Step("Bash", {"command": f"{db} < pipeline/report.sql"}, "The corrected report.",
             Needle("qualified", r"\n-[- ]+\n(\w{3}) ", facts["qualified"], grep="^[A-Z]{3} ",
                    query="origin avg_delay"), seconds=2),
        Step("Bash", {"command": "mkdir -p out && sqlite3 -csv -header flights.db 'SELECT f.*, a.name AS origin_name, "
                                 "a.state AS origin_state FROM flights f JOIN airports a ON a.iata = f.origin' "
                                 "> out/flights_enriched.csv && wc -l out/flights_enriched.csv"}, seconds=3),
        Step("Bash", {"command": f"{db} 'SELECT a.state, COUNT(*) AS flights, ROUND(AVG(f.delay), 1) AS avg_delay "
                                 "FROM flights f JOIN airports a ON a.iata = f.origin GROUP BY a.state "
                                 "ORDER BY avg_delay DESC'"}, seconds=2),
        Step("Bash", {"command": f"{db} 'SELECT origin, destination, COUNT(*) AS flights FROM flights "
                                 "GROUP BY 1, 2 ORDER BY 3 DESC'"}, "Busiest routes.", seconds=2),
        Step("Write", {"file_path": "{cwd}/REPORT.md", "content":
                       f"# Q1 2001 delays\n\n- {worst} ({{worst_name}}) tops the dashboard on {{worst_flights}} "
                       "flights; its first delay over an hour: {worst_late}\n"
                       f"- with at least {MIN_FLIGHTS} flights the worst origin is {{qualified}}\n"}, seconds=3),
        Step("Bash", {"command": "git status --short && git diff pipeline/report.sql"}, seconds=1),
    ]
    return Trajectory("data_pipeline", "Data pipeline with large query results (sqlite3)",
                      f"The delay dashboard says {worst} had the worst average departure delay of Q1 2001. Load "
                      "the export into SQLite, check that against the data, fix the report query so it ignores "
                      "airports with too few flights, and write REPORT.md.", steps, heavy=True)
