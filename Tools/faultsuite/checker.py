"""Checks the recorded history against what every node holds once the faults are over."""

import collections
import time

from nodes import http


def read(address, kind, key, level):
    try:
        status, body, _ = http(address, "GET", f"/v1/state/{kind}/{key}?level={level}", timeout=5)
    except OSError as error:
        return None, f"{address}: {error}"
    if status != 200:
        return None, f"{address}: {status} {body}"
    return body["value"], None


def read_everywhere(addresses, kind, key, seconds=30):
    """The value at level=all through every node, once they all agree (or what they said last)."""
    deadline = time.time() + seconds
    while True:
        values = [read(address, kind, key, "all") for address in addresses]
        settled = [value for value, error in values if error is None]
        normalized = [sorted(value) if isinstance(value, list) else value for value in settled]
        if len(settled) == len(addresses) and all(value == normalized[0] for value in normalized):
            return normalized[0], []
        if time.time() > deadline:
            return None, [error or f"{address}: {value}" for address, (value, error) in zip(addresses, values)]
        time.sleep(1)


def check(history, addresses):
    """(violations, facts): violations fail the run; facts go into the summary."""
    violations = []
    facts = {}
    writes = [op for op in history.operations if op["kind"] in ("increment", "add")]
    by_key = collections.defaultdict(list)
    for op in writes:
        by_key[op["key"]].append(op)

    double = 0
    for key, ops in sorted(by_key.items()):
        kind = "counter" if key.startswith("c-") else "set"
        value, errors = read_everywhere(addresses, kind, key)
        if value is None:
            violations.append(f"{key}: the nodes do not agree at level=all: {'; '.join(errors)}")
            continue
        acknowledged = [op for op in ops if op["outcome"] == "ok"]
        uncertain = [op for op in ops if op["outcome"] == "uncertain"]
        failed = [op for op in ops if op["outcome"] == "failed"]
        if kind == "counter":
            if value < len(acknowledged):
                violations.append(f"{key} = {value}, below its {len(acknowledged)} acknowledged increments")
            if value > len(acknowledged) + len(uncertain):
                double += value - len(acknowledged) - len(uncertain)
                violations.append(f"{key} = {value}, above its {len(acknowledged)} acknowledged + {len(uncertain)} uncertain increments")
        else:
            present = set(value)
            sent = {op["element"] for op in ops}
            for op in acknowledged:
                if op["element"] not in present:
                    violations.append(f"{key}: acknowledged {op['element']} is missing")
            for op in failed:
                if op["element"] in present:
                    violations.append(f"{key}: {op['element']} was refused ({op['detail']}) yet is present")
            for element in sorted(present - sent):
                violations.append(f"{key}: {element} was never sent")
    facts["increments applied beyond acknowledged + uncertain"] = double
    return violations, facts


def outcome_table(history):
    """Per phase: counts of each outcome per kind, and the calls' first-attempt errors."""
    rows = collections.OrderedDict()
    for op in history.operations:
        row = rows.setdefault(op["phase"], collections.Counter())
        row[f"{op['kind']} {op['outcome']}"] += 1
        if op["kind"] == "call" and op.get("first_error"):
            error = op["first_error"]
            kind = error.split(" ")[0] if error.startswith(("refused", "cut")) else "other"
            row[f"call first-attempt error ({kind})"] += 1
    return rows
