#!/usr/bin/python3
"""stage_vs_copy.py — PostgreSQL's CPU for three ways to insert new rows in batches.

    DGP_PG_CONNINFO=... /usr/bin/python3 benchmarks/load/stage_vs_copy.py [ROWS]

The question behind it (issue 13): how much does dgp's write path — COPY
into a text temp stage, then INSERT … SELECT with casts inside a PL/pgSQL
exception block — cost PostgreSQL over a COPY straight into the typed table,
and would binding the batch as binary array parameters (INSERT … SELECT FROM
unnest($1::text[], …), no stage, errors still catchable) be cheaper?

A table shaped like a source table (text key with its primary key, 18 text
columns, two dates, a numeric, a smallint; ROWS rows, default 200,000),
batches of 20,000, one transaction each, in a fresh table per run:
  stage   COPY text into a temp table of text columns, INSERT … SELECT with
          the casts, TRUNCATE the stage (what dgp does, minus the function)
  typed   the same with a stage of the table's own types (no casts left)
  copy    COPY text straight into the table (psql's \\copy; the limit)
  unnest  INSERT … SELECT * FROM unnest(one binary array parameter per column)
The figure is the server backend's user+sys CPU (/proc/PID/stat; the server
must run on this machine), median of 3 interleaved rounds, so the client's
own work (Python building the payloads) is not counted; the COPY payloads
are built before the clock starts.  Needs Debian's python3-psycopg.
"""
import datetime
import os
import random
import sys

import psycopg

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
BATCH = 20000
NTEXT = 18
NAMES = ["k"] + [f"c{i}" for i in range(NTEXT)] + ["d1", "d2", "n1", "s1"]
TYPES = ["text"] * (1 + NTEXT) + ["date", "date", "numeric(5,1)", "smallint"]
COLS = ", ".join(f"{n} {t}" + (" PRIMARY KEY" if n == "k" else "") for n, t in zip(NAMES, TYPES))


def make_rows():
    rnd = random.Random(1)
    return [[f"{420106000000000000 + r}"]
            + ["字段值%05d" % rnd.randint(0, 99999) for _ in range(NTEXT)]
            + [datetime.date(1940 + r % 80, 1 + r % 12, 1 + r % 28), datetime.date(2000, 1, 1),
               170.5, r % 9]
            for r in range(N)]


def backend_cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(conninfo, way, rows, payloads):
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_stage_vs_copy")
        conn.execute(f"CREATE TABLE bench_stage_vs_copy ({COLS})")
        conn.execute(f"CREATE TEMP TABLE stage ({', '.join(n + ' text' for n in NAMES)})")
        conn.execute("CREATE TEMP TABLE tstage (LIKE bench_stage_vs_copy)")
        casts = ", ".join(f"{n}::{t}" for n, t in zip(NAMES, TYPES))
        unnest = ", ".join(f"%b::{t.split('(')[0]}[]" for t in TYPES)
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        c0 = backend_cpu(pid)
        for b, i in enumerate(range(0, N, BATCH)):
            with conn.transaction():
                if way == "stage":
                    with conn.cursor().copy("COPY stage FROM STDIN") as cp:
                        cp.write(payloads[b])
                    conn.execute(f"INSERT INTO bench_stage_vs_copy SELECT {casts} FROM stage")
                    conn.execute("TRUNCATE stage")
                elif way == "typed":
                    with conn.cursor().copy("COPY tstage FROM STDIN") as cp:
                        cp.write(payloads[b])
                    conn.execute("INSERT INTO bench_stage_vs_copy SELECT * FROM tstage")
                    conn.execute("TRUNCATE tstage")
                elif way == "copy":
                    with conn.cursor().copy("COPY bench_stage_vs_copy FROM STDIN") as cp:
                        cp.write(payloads[b])
                else:
                    batch = rows[i:i + BATCH]
                    arrays = [[row[j] for row in batch] for j in range(len(NAMES))]
                    conn.cursor(binary=True).execute(
                        f"INSERT INTO bench_stage_vs_copy SELECT * FROM unnest({unnest})", arrays)
        cpu = backend_cpu(pid) - c0
        n = conn.execute("SELECT count(*) FROM bench_stage_vs_copy").fetchone()[0]
        if n != N:
            sys.exit(f"{way}: {n} rows, want {N}")
        conn.execute("DROP TABLE bench_stage_vs_copy")
        return cpu


def main():
    conninfo = os.environ["DGP_PG_CONNINFO"]
    rows = make_rows()
    payloads = [("".join("\t".join(str(v) for v in row) + "\n" for row in rows[i:i + BATCH])).encode()
                for i in range(0, N, BATCH)]
    cpu = {}
    for _ in range(3):
        for way in ("stage", "typed", "copy", "unnest"):
            cpu.setdefault(way, []).append(run(conninfo, way, rows, payloads))
    base = sorted(cpu["copy"])[1]
    for way, v in cpu.items():
        m = sorted(v)[1]
        print(f"{way:7s} backend CPU median {m:.2f} s ({' / '.join(f'{x:.2f}' for x in v)}), "
              f"{m / base:.2f} x copy, {N} rows")


if __name__ == "__main__":
    main()
