#!/usr/bin/env python3
"""peer.py — what a data engineer would write instead of `dgp run`, as well as we can.

    python peer.py --setup CONNINFO
    python peer.py --columns
    python peer.py CONNINFO BROKERS TOPIC GROUP [--batch N] [--until-idle MS]

The streaming benchmark's Python peer: a Kafka consumer (confluent-kafka) of the
户籍人口 messages `dgp produce` sends (one CSV record per message, the header row
in the dgp-csv-header message header), normalised and checked exactly as the bulk
benchmark's peer does it (benchmarks/load/peer.py: python-stdnum for the 身份证号,
its date, phone, code and range rules; imported from there), then per batch of up
to N messages (default 5000, or what arrived within 0.5 s) one PostgreSQL
transaction with psycopg 3: COPY into a temporary staging table, one INSERT …
ON CONFLICT DO UPDATE … WHERE the content changed (so a redelivered record writes
nothing), COPY of the rejected records with their reason; after that commit the
batch's offsets are committed to Kafka (at least once, and idempotent). Run
several processes with one GROUP to use more cores. No golden records.

--setup creates peer.gaj_hjrk and peer.reject (the workers do not, so several
can start at once); --columns prints the column definitions (run.sh gives Kafka
Connect's table the same ones). A worker exits 0 once nothing arrived for --until-idle MS
(default 2000) after its first message and the group's committed offsets reach
the end of the partitions it holds, and prints "read N, loaded N, rejected N".

Packages: confluent-kafka, python-stdnum and psycopg from PyPI, installed by
benchmarks/stream/run.sh into a virtual environment of its own.
"""
import argparse
import csv
import hashlib
import importlib.util
import os
import sys
import time

import psycopg

_spec = importlib.util.spec_from_file_location(
    "load_peer", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "load", "peer.py"))
load_peer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(load_peer)
COLUMNS, TYPES, normalise = load_peer.COLUMNS, load_peer.TYPES, load_peer.normalise
COLS = ", ".join(COLUMNS)

# load_peer caches stdnum's county look-up (see there).
UPSERT = (f"INSERT INTO peer.gaj_hjrk ({COLS}, content_hash) "
          f"SELECT {COLS}, content_hash FROM stage "
          f"ON CONFLICT (gmsfhm) DO UPDATE SET "
          + ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS[1:])
          + ", content_hash = EXCLUDED.content_hash, loaded_at = clock_timestamp() "
          "WHERE peer.gaj_hjrk.content_hash IS DISTINCT FROM EXCLUDED.content_hash")


def column_defs():
    """The 23 columns as SQL, typed as the bulk peer types them, 公民身份号码 the key."""
    return ", ".join(f"{c} {TYPES.get(c, 'text')}" + (" PRIMARY KEY" if c == "gmsfhm" else "") for c in COLUMNS)


def setup(conninfo):
    with psycopg.connect(conninfo) as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS peer")
        conn.execute("CREATE TABLE IF NOT EXISTS peer.gaj_hjrk (" + column_defs() +
                     ", content_hash bigint, loaded_at timestamptz DEFAULT clock_timestamp())")
        conn.execute("CREATE TABLE IF NOT EXISTS peer.reject (origin text, reason text, raw text)")


class Header:
    """The column order of one dgp-csv-header value, mapped onto COLUMNS."""

    cache = {}

    @classmethod
    def of(cls, raw):
        if raw not in cls.cache:
            names = [n.strip().lower() for n in next(csv.reader([raw.decode("utf-8")]))]
            if sorted(names) != sorted(COLUMNS):
                raise ValueError("header")
            cls.cache[raw] = None if names == COLUMNS else [names.index(c) for c in COLUMNS]
        return cls.cache[raw]


def header_of(msg):
    for k, v in msg.headers() or ():
        if k == "dgp-csv-header":
            return v
    return None


def records(msgs, bad):
    """(key, values + content hash) of every good message, the last one of a key winning."""
    good = {}
    for m in msgs:
        origin = f"{m.topic()}/{m.partition()}@{m.offset()}"
        text = m.value().decode("utf-8", "replace")
        try:
            hraw = header_of(m)
            order = Header.of(hraw) if hraw is not None else None
            row = next(csv.reader([text]))
            if len(row) != len(COLUMNS):
                raise ValueError("columns")
            if order is not None:
                row = [row[i] for i in order]
            vals = normalise(row)
        except (ValueError, StopIteration) as e:
            bad.append((origin, str(e) or "columns", text))
            continue
        h = hashlib.blake2b("\x1f".join(v or "\x00" for v in vals).encode(), digest_size=8)
        vals.append(int.from_bytes(h.digest(), "big", signed=True))
        good[vals[0]] = vals
    return good


def write(conn, good, bad):
    with conn.transaction():
        with conn.cursor().copy(f"COPY stage ({COLS}, content_hash) FROM STDIN") as cp:
            for vals in good.values():
                cp.write_row(vals)
        n = conn.execute(UPSERT).rowcount
        if bad:
            with conn.cursor().copy("COPY peer.reject (origin, reason, raw) FROM STDIN") as cp:
                for r in bad:
                    cp.write_row(r)
    return n


def caught_up(c):
    """True when the group's committed offsets reach the end of every partition this member holds.

    A rebalance leaves a member without messages (and without partitions) for a
    while; idle time alone would let it leave with records still unread."""
    parts = c.assignment()
    if not parts:
        return False
    for tp in c.committed(parts, timeout=10):
        low, high = c.get_watermark_offsets(tp, timeout=10)
        if high > low and tp.offset < high:  # an empty partition has nothing committed
            return False
    return True


def work(a):
    from confluent_kafka import Consumer, KafkaException, TopicPartition

    c = Consumer({"bootstrap.servers": a.brokers, "group.id": a.group, "auto.offset.reset": "earliest",
                  "enable.auto.commit": False, "enable.partition.eof": False})
    c.subscribe([a.topic])
    conn = psycopg.connect(a.conninfo, autocommit=True)
    conn.execute("CREATE TEMP TABLE stage (LIKE peer.gaj_hjrk) ON COMMIT DELETE ROWS")
    read = loaded = rejected = 0
    last = None
    started = time.monotonic()
    while True:
        msgs, t0 = [], time.monotonic()
        while len(msgs) < a.batch and time.monotonic() - t0 < 0.5:
            got = c.consume(num_messages=a.batch - len(msgs), timeout=0.1)
            for m in got:
                if m.error():
                    raise KafkaException(m.error())
            msgs.extend(got)
            if not got and msgs:
                break
        now = time.monotonic()
        if not msgs:
            idle_since = last if last is not None else started
            if (now - idle_since) * 1000 >= (a.until_idle if last is not None else 60000) and caught_up(c):
                break
            continue
        last = now
        bad = []
        good = records(msgs, bad)
        loaded += write(conn, good, bad)
        read += len(msgs)
        rejected += len(bad)
        ends = {}
        for m in msgs:
            ends[(m.topic(), m.partition())] = max(ends.get((m.topic(), m.partition()), -1), m.offset())
        try:
            c.commit(offsets=[TopicPartition(t, p, o + 1) for (t, p), o in ends.items()], asynchronous=False)
        except KafkaException:
            pass  # a rebalance took the partition: its new owner re-reads, the upsert writes nothing twice
    c.close()
    conn.close()
    print(f"read {read}, loaded {loaded}, rejected {rejected}")
    return 0 if last is not None else 1


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--setup":
        setup(sys.argv[2])
        return 0
    if len(sys.argv) == 2 and sys.argv[1] == "--columns":
        print(column_defs())
        return 0
    p = argparse.ArgumentParser(description="the Python consumer peer of dgp run")
    p.add_argument("conninfo")
    p.add_argument("brokers")
    p.add_argument("topic")
    p.add_argument("group")
    p.add_argument("--batch", type=int, default=5000)
    p.add_argument("--until-idle", type=int, default=2000)
    return work(p.parse_args())


if __name__ == "__main__":
    sys.exit(main())
