#!/usr/bin/python3
"""connect_records.py — the bulk benchmark's 户籍人口 CSV as Kafka Connect JSON records.

    /usr/bin/python3 benchmarks/stream/connect_records.py FILE.csv | kcat -P -K '\\t' ...

Kafka Connect's JDBC sinks need records that carry a schema; without a schema
registry that is JsonConverter with schemas.enable=true: every message value is
{"schema": …, "payload": …}. This writes one line per CSV record, "KEY<TAB>VALUE",
the key being the 公民身份号码 (as `dgp produce` keys its messages) and the value
the envelope with the 23 fields in lower case: 出生日期 and 迁入日期 as Connect
Date (days since 1970-01-01), 身高 as int64, the rest strings; an empty CSV
value is null. The values are passed as they are (the file is clean): a Connect
pipeline without an SMT chain does not normalise.
"""
import csv
import datetime
import json
import sys

DATES = {"csrq", "qrrq"}
INTS = {"sg"}
EPOCH = datetime.date(1970, 1, 1)


def field_schema(name):
    if name in DATES:
        return {"type": "int32", "optional": True, "name": "org.apache.kafka.connect.data.Date",
                "version": 1, "field": name}
    if name in INTS:
        return {"type": "int64", "optional": True, "field": name}
    return {"type": "string", "optional": name != "gmsfhm", "field": name}


def value(name, raw):
    if raw == "":
        return None
    if name in DATES:
        return (datetime.date.fromisoformat(raw) - EPOCH).days
    if name in INTS:
        return int(raw)
    return raw


def main():
    path = sys.argv[1]
    out = sys.stdout
    with open(path, newline="", encoding="utf-8") as f:
        rd = csv.reader(f)
        cols = [h.strip().lower() for h in next(rd)]
        schema = {"type": "struct", "name": "gaj_hjrk", "optional": False,
                  "fields": [field_schema(c) for c in cols]}
        # the schema is the same in every message: serialise it once
        head = '{"schema":' + json.dumps(schema, separators=(",", ":")) + ',"payload":'
        key = cols.index("gmsfhm")
        for lineno, row in enumerate(rd, start=2):
            if not row:
                continue
            if len(row) != len(cols):
                sys.exit(f"{path}:{lineno}: {len(row)} columns, the header has {len(cols)}")
            payload = {c: value(c, v) for c, v in zip(cols, row)}
            out.write(row[key] + "\t" + head +
                      json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "}\n")


if __name__ == "__main__":
    main()
