#!/usr/bin/env python3
"""peer_polars.py — the Python peer written with polars, as issue 13's was.

    VENV/bin/python benchmarks/load/peer_polars.py [--schema S] CONNINFO FILE.csv

The strong peer of `dgp load` for 户籍人口 (101001/000001) CSV files: the same
checks, normalisations, rejects and SQL as benchmarks/load/peer.py, but done on
whole columns with polars expressions instead of per value in Python:

    file --polars' parallel CSV reader--> 23 string columns, line = index + 2
      (when every line has 23 fields; else split on \\n and ",", or the csv module)
      --pieces of PIECE_ROWS rows; per piece, per column:
          full-width → half-width (only where the piece has any), blank?, the
          rule (身份证号, dates, region codes, phone, 身高, text)
          --> normalised value, and for required columns a reject reason
      --first reason in column order (or "columns")--> rejects (kept) | good rows
      good rows + content hash --polars' CSV writer--> psycopg 3 COPY into a temp
          stage (psycopg's writer thread sends a piece while polars works on the next)
      stage --INSERT … ON CONFLICT DO UPDATE … WHERE the hash changed--> S.gaj_hjrk
      rejects --COPY--> S.reject

A key that has several valid versions in the file loads its last one, as in
peer.py: when there is one, the INSERT reads the stage DISTINCT ON the key,
latest line first (the stage has the line number for this).

身份证号 (GB 11643): the check digit is stdnum's formula, (1 − 2·n) mod 11 with
n the first 17 digits read as a base-13 number (13 ≡ 2 mod 11, so this is the
per-position weights 2^(17−i) mod 11), parsed by str.to_integer(base=13); the
county is a semi-join (is_in) against python-stdnum's cn/loc.dat, read once.
15-digit numbers are widened as peer.py widens them: "19" after the region and
the check digit of those 17 digits.

Differences from peer.py: content_hash is a sum of polars' hashes of the
normalised values (stable for one polars version, pinned in run.sh), not
blake2b, so the tables agree on every column but content_hash and loaded_at;
and, outside what dgp-gen writes: digits outside ASCII that Python's int() and
\\d accept are not converted; stdnum's mapping of Unicode dashes and spaces
inside a 身份证号 is not applied.  A file with a double quote or a carriage
return is read with the csv module (peer.py's parser), so quoting follows
peer.py exactly.

Creates S.gaj_hjrk and S.reject (S = peer by default, peer.py's tables) when
missing. Prints "read N, loaded N, rejected N" on stdout, as peer.py does.
"""
import argparse
import csv
import datetime
import io
import os
import sys
import time

import polars as pl
import psycopg
from psycopg.copy import QueuedLibpqWriter
import stdnum

COLUMNS = ["gmsfhm", "xm", "xb", "csrq", "mz", "cym", "csdqh", "jgqh", "hh", "yhzgx", "hklb",
           "hjdz", "hjqh", "hyzk", "whcd", "zzmm", "zy", "fwcs", "sg", "xx", "lxdh", "qrrq", "qryy"]
TYPES = {"csrq": "date", "qrrq": "date", "sg": "bigint"}
REQUIRED = {"gmsfhm", "xm", "xb", "csrq", "mz", "hh", "yhzgx", "hjdz", "hjqh"}
FULL = [chr(c) for c in range(0xFF01, 0xFF5F)] + ["\u3000"]
HALF = [chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)] + [" "]
FULL_RE = r"[\x{FF01}-\x{FF5E}\x{3000}]"
# Python's str.isspace(): Unicode White_Space (regex \s) and U+001C–U+001F
PY_WS = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
PY_WS_RE = r"[\s\x1C-\x1F]"
DATE_RE = r"^(\d{4})(?:[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{2})(\d{2}))$"
TODAY = datetime.date.today()
PIECE_ROWS = 100_000

E_LENGTH = "The number has an invalid length."
E_FORMAT = "The number has an invalid format."
E_CHECKSUM = "The number's checksum or check digit is invalid."
E_COMPONENT = "One of the parts of the number are invalid or unknown."


def counties():
    """The six-digit codes python-stdnum's cn.ric accepts (its cn/loc.dat)."""
    path = os.path.join(os.path.dirname(stdnum.__file__), "cn", "loc.dat")
    with open(path, encoding="utf-8") as f:
        return pl.Series("code", [ln[:6] for ln in f if ln[:1].isdigit()])


def read_lines(path):
    """One row per record: line (its number), n (its field count), field_0 …
    field_22 (its fields, null when empty or past the last) and, when the
    fields are not all it has, raw (the line)."""
    with open(path, "rb") as f:
        data = f.read()
    if b'"' in data or b"\r" in data:
        return read_with_csv(path)
    nl = data.index(b"\n") if b"\n" in data else len(data)
    header = [h.strip().lower() for h in data[:nl].decode("utf-8").split(",")]
    if header != COLUMNS:
        sys.exit(f"{path}: unexpected header {header}")
    body = data.rstrip(b"\n")
    lines = body.count(b"\n") + 1
    n = len(COLUMNS)
    if b"\n\n" not in body and body.count(b",") == (n - 1) * lines:
        # every line has n fields: polars' parallel reader, line = index + 2
        rows = pl.read_csv(io.BytesIO(body), has_header=True, infer_schema=False, quote_char=None,
                           new_columns=[f"field_{i}" for i in range(n)])
        return rows.with_row_index("line", offset=2).with_columns(n=pl.lit(n, pl.UInt32))
    # blank lines or rows with other field counts: split the lines ourselves
    return (pl.DataFrame({"raw": pl.Series([data.decode("utf-8")])})
            .select(pl.col("raw").str.split("\n")).explode("raw")
            .with_row_index("line", offset=1).slice(1).filter(pl.col("raw") != "")
            .with_columns(n=pl.col("raw").str.count_matches(",", literal=True) + 1,
                          f=pl.col("raw").str.split_exact(",", n - 1))
            .unnest("f"))


def read_with_csv(path):
    """read_lines for files with quotes or carriage returns: the csv module's rows."""
    n = len(COLUMNS)
    line, raw, cnt, fields = [], [], [], [[] for _ in range(n)]
    with open(path, newline="", encoding="utf-8") as f:
        rd = csv.reader(f)
        header = [h.strip().lower() for h in next(rd)]
        if header != COLUMNS:
            sys.exit(f"{path}: unexpected header {header}")
        for lineno, row in enumerate(rd, start=2):
            if not row:
                continue
            line.append(lineno)
            raw.append(",".join(row))
            cnt.append(len(row))
            for i in range(n):
                fields[i].append(row[i] if i < len(row) else None)
    return pl.DataFrame({"line": line, "raw": raw, "n": cnt,
                         **{f"field_{i}": fields[i] for i in range(n)}},
                        schema_overrides={"line": pl.UInt32, "n": pl.UInt32})


def py_strip(e):
    return e.str.strip_chars(PY_WS)


def check_char(digits):
    """stdnum's calc_check_digit over DIGITS (a string of ASCII digits): 'X' for 10."""
    r = digits.str.to_integer(base=13, strict=False) % 11
    c = (23 - 2 * r) % 11
    return pl.when(c == 10).then(pl.lit("X")).otherwise(c.cast(pl.String))


def days_in_month(y, m):
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    return (pl.when(m == 2).then(pl.when(leap).then(29).otherwise(28))
            .when(m.is_in([4, 6, 9, 11])).then(30).otherwise(31))


def date_error(y, m, d):
    """datetime.date(y, m, d)'s ValueError message, or null for a valid date."""
    return (pl.when(y == 0).then(pl.lit("year 0 is out of range"))
            .when((m < 1) | (m > 12)).then(pl.lit("month must be in 1..12"))
            .when((d < 1) | (d > days_in_month(y, m))).then(pl.lit("day is out of range for month")))


# Each rule takes a column's half-width text H and a prefix T for its temporary
# columns, and returns (stages, value, error): STAGES are lists of expressions
# evaluated one after the other (with_columns), so a value that later
# expressions use several times is computed once; VALUE is the normalised value
# and ERROR the reason it is rejected (null when it is not; None: never).
def norm_id(h, t):
    """peer.py's norm_id: stdnum's cn.ric.validate after the 15 → 18 widening."""
    v0 = py_strip(h).str.to_uppercase()
    b = v0.str.slice(0, 6) + "19" + v0.str.slice(6)
    widen = (v0.str.len_chars() == 15) & v0.str.contains(r"^[0-9]{15}$")
    stages = [[pl.when(widen).then(b + check_char(b)).otherwise(v0).alias(t + "v")]]
    v = pl.col(t + "v")
    ymd = [v.str.slice(6, 4).cast(pl.Int32, strict=False).alias(t + "y"),
           v.str.slice(10, 2).cast(pl.Int32, strict=False).alias(t + "m"),
           v.str.slice(12, 2).cast(pl.Int32, strict=False).alias(t + "d")]
    err = (pl.when(v.str.len_chars() != 18).then(pl.lit(E_LENGTH))
           .when(~v.str.slice(0, 17).str.contains(r"^[0-9]+$")).then(pl.lit(E_FORMAT))
           .when(v.str.slice(17) != check_char(v.str.slice(0, 17))).then(pl.lit(E_CHECKSUM))
           .when(date_error(*(pl.col(t + x) for x in "ymd")).is_not_null()).then(pl.lit(E_COMPONENT))
           .when(~v.str.slice(0, 6).is_in(COUNTIES.implode())).then(pl.lit(E_COMPONENT)))
    return stages + [ymd], v, err


def norm_date(h, t):
    g = h.str.replace_all(" ", "", literal=True).str.extract_groups(DATE_RE)
    ymd = [g.struct[0].cast(pl.Int32, strict=False).alias(t + "y"),
           pl.coalesce(g.struct[1], g.struct[3]).cast(pl.Int32, strict=False).alias(t + "m"),
           pl.coalesce(g.struct[2], g.struct[4]).cast(pl.Int32, strict=False).alias(t + "d")]
    y, m, d = (pl.col(t + x) for x in "ymd")
    derr = date_error(y, m, d)
    ok = y.is_not_null() & derr.is_null()
    checked = [pl.date(pl.when(ok).then(y), pl.when(ok).then(m), pl.when(ok).then(d)).alias(t + "day"),
               derr.alias(t + "derr")]
    y, day, derr = pl.col(t + "y"), pl.col(t + "day"), pl.col(t + "derr")
    err = (pl.when(y.is_null()).then(pl.lit("format")).when(derr.is_not_null()).then(derr)
           .when(day > TODAY).then(pl.lit("future_date")))
    return [ymd, checked], day, err


def norm_region(h, t):
    v = pl.col(t + "v")
    return [[py_strip(h).alias(t + "v")]], v, pl.when(~v.str.contains(r"^\d{6}$")).then(pl.lit("region"))


def norm_phone(h, t):
    stages = [[h.str.replace_all(r"[\s\x1C-\x1F\-()]", "").alias(t + "v")]]
    v = pl.col(t + "v")
    for p in ("+86", "0086", "86"):
        stages.append([pl.when(v.str.starts_with(p) & (v.str.len_chars() == len(p) + 11))
                       .then(v.str.slice(len(p))).otherwise(v).alias(t + "v")])
    return stages, v, pl.when(~v.str.contains(r"^(?:1[3-9]\d{9}|0\d{2,3}\d{7,8})$")).then(pl.lit("format"))


def norm_int(h, t, lo=30, hi=260):
    v = py_strip(h.str.replace_all(",", "", literal=True))
    n = pl.when(v.str.contains(r"^[+-]?\d+(?:_\d+)*$")).then(v.str.replace_all("_", "", literal=True)) \
        .cast(pl.Int64, strict=False)
    v = pl.col(t + "v")
    return [[n.alias(t + "v")]], v, pl.when(v.is_null() | (v < lo) | (v > hi)).then(pl.lit("range"))


def norm_text(h, t):
    return [], h.str.replace_all(PY_WS_RE + "+", " ").str.strip_chars(" "), None


# a sum of per-column hashes, each seeded by its position: one pass per column
CONTENT_HASH = pl.sum_horizontal(pl.col(c).hash(i) for i, c in enumerate(COLUMNS)).reinterpret(signed=True)
RULES = {"gmsfhm": norm_id, "csrq": norm_date, "qrrq": norm_date, "csdqh": norm_region,
         "jgqh": norm_region, "hjqh": norm_region, "lxdh": norm_phone, "sg": norm_int}
COUNTIES = counties()


def normalise(rows):
    """ROWS (read_lines) as line, each column's normalised value (COLUMNS),
    null where invalid or blank, the reject reason (null: loaded) and what
    raw() needs."""
    fields = [f"field_{i}" for i in range(len(COLUMNS))]
    full = rows.select(pl.col(f).str.contains(FULL_RE).any() for f in fields).row(0)
    stages, values, reasons = [], [], []
    for i, (col, f, has_full) in enumerate(zip(COLUMNS, fields, full)):
        h = pl.col(f).str.replace_many(FULL, HALF) if has_full else pl.col(f)
        blank = pl.col(f).is_null() | pl.col(f).str.contains(f"^{PY_WS_RE}*$")
        st, v, err = RULES.get(col, norm_text)(h, f"_t{i}_")
        for k, exprs in enumerate(st):
            if k == len(stages):
                stages.append([])
            stages[k] += exprs
        bad = blank if err is None else blank | err.is_not_null()
        values.append(pl.when(~bad).then(v).alias(col))
        if col in REQUIRED:
            reason = pl.when(blank).then(pl.lit(f"{col}: empty"))
            reasons.append(reason if err is None else reason.when(err.is_not_null()).then(f"{col}: " + err))
    reason = pl.when(pl.col("n") != len(COLUMNS)).then(pl.lit("columns")).otherwise(pl.coalesce(reasons))
    lf = rows.lazy()
    for exprs in stages:
        lf = lf.with_columns(exprs)
    keep = ["raw"] if "raw" in rows.columns else fields  # raw() makes the rejects' lines from them
    return lf.select("line", *values, *keep, reason=reason).collect()


def raw(rows):
    """The rejected line, as peer.py keeps it: the fields joined by ','."""
    if "raw" in rows.columns:
        return pl.col("raw")
    return pl.concat_str([pl.col(f"field_{i}").fill_null("") for i in range(len(COLUMNS))], separator=",")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--schema", default="peer")
    ap.add_argument("--times", action="store_true", help="each step's wall seconds on stderr")
    ap.add_argument("conninfo")
    ap.add_argument("path")
    a = ap.parse_args()
    step = Steps(a.times)
    rows = read_lines(a.path)
    step("read")
    s = '"' + a.schema.replace('"', '""') + '"'
    cols = ", ".join(COLUMNS)
    with psycopg.connect(a.conninfo) as conn:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {s}")
        conn.execute(f"CREATE TABLE IF NOT EXISTS {s}.gaj_hjrk (" +
                     ", ".join(f"{c} {TYPES.get(c, 'text')}" + (" PRIMARY KEY" if c == "gmsfhm" else "")
                               for c in COLUMNS) + ", content_hash bigint, loaded_at timestamptz DEFAULT now())")
        conn.execute(f"CREATE TABLE IF NOT EXISTS {s}.reject (file text, line int, reason text, raw text)")
        conn.execute(f"CREATE TEMP TABLE stage (LIKE {s}.gaj_hjrk, line bigint) ON COMMIT DROP")
        keys, bad = [], []
        # polars normalises the next piece while psycopg's writer thread sends this one
        with conn.cursor().copy(f"COPY stage ({cols}, content_hash, line) FROM STDIN (FORMAT csv)",
                                writer=QueuedLibpqWriter(conn.cursor())) as cp:
            for part in rows.iter_slices(PIECE_ROWS) if rows.height else [rows]:
                part = normalise(part)
                ok = part["reason"].is_null()
                good = part if ok.all() else part.filter(ok)
                good = good.select(*COLUMNS, content_hash=CONTENT_HASH, line="line")
                keys.append(good["gmsfhm"])
                bad.append(part.filter(~ok).select(file=pl.lit(a.path), line="line", reason="reason",
                                                   raw=raw(part)))
                buf = io.BytesIO()
                good.write_csv(buf, include_header=False)
                cp.write(buf.getbuffer())
        step("normalise, copy into the stage")
        keys = pl.concat(keys)
        # in-file versions of a key: the last one wins
        last = "" if keys.n_unique() == keys.len() else "DISTINCT ON (gmsfhm) "
        sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS[1:])
        cur = conn.execute(
            f"INSERT INTO {s}.gaj_hjrk ({cols}, content_hash) "
            f"SELECT {last}{cols}, content_hash FROM stage " + ("ORDER BY gmsfhm, line DESC " if last else "") +
            f"ON CONFLICT (gmsfhm) DO UPDATE SET {sets}, content_hash = EXCLUDED.content_hash, loaded_at = now() "
            f"WHERE {s}.gaj_hjrk.content_hash IS DISTINCT FROM EXCLUDED.content_hash")
        loaded = cur.rowcount
        step("insert … on conflict")
        bad = pl.concat(bad)
        buf = io.BytesIO()
        bad.write_csv(buf, include_header=False)
        with conn.cursor().copy(f"COPY {s}.reject (file, line, reason, raw) FROM STDIN (FORMAT csv)") as cp:
            cp.write(buf.getbuffer())
    step("rejects, commit")
    print(f"read {rows.height}, loaded {loaded}, rejected {bad.height}")


class Steps:
    """Prints the wall seconds since the last call, when ON."""

    def __init__(self, on):
        self.on, self.t = on, time.monotonic()

    def __call__(self, name):
        if self.on:
            t = time.monotonic()
            print(f"{name}: {t - self.t:.2f} s", file=sys.stderr)
            self.t = t


if __name__ == "__main__":
    main()
