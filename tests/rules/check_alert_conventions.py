#!/usr/bin/python3
"""Checks what promtool cannot: every alert of a rule file has a severity, a
summary, a description and a runbook_url whose section exists in the
runbook; every aggregation of every rule keeps job and instance.

usage: check_alert_conventions.py RULES.yml RUNBOOK.md
"""
import re
import sys

import yaml

SEVERITIES = {"critical", "warning", "info"}
AGGREGATION = re.compile(
    r"\b(sum|min|max|avg|group|stddev|stdvar|count|count_values|topk|bottomk|quantile)\s*"
    r"(?:(by|without)\s*\(([^)]*)\)\s*)?\(")


def anchor(heading):
    """The anchor GitHub gives a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def main(rules_path, runbook_path):
    with open(rules_path) as f:
        groups = yaml.safe_load(f)["groups"]
    with open(runbook_path) as f:
        sections = {anchor(line.lstrip("#")) for line in f if line.startswith("## ")}
    problems = []
    alerts = 0
    for group in groups:
        for rule in group["rules"]:
            name = rule.get("alert") or rule.get("record")
            for match in AGGREGATION.finditer(rule["expr"]):
                how, labels = match.group(2), match.group(3)
                kept = {label.strip() for label in (labels or "").split(",")}
                if how is None:
                    problems.append(f"{name}: {match.group(1)}(...) drops job and instance")
                elif how == "by" and not {"job", "instance"} <= kept:
                    problems.append(f"{name}: {match.group(0)} drops job or instance")
                elif how == "without" and kept & {"job", "instance"}:
                    problems.append(f"{name}: {match.group(0)} drops job or instance")
            if "alert" not in rule:
                continue
            alerts += 1
            if rule.get("labels", {}).get("severity") not in SEVERITIES:
                problems.append(f"{name}: severity is not one of {sorted(SEVERITIES)}")
            annotations = rule.get("annotations", {})
            for key in ("summary", "description", "runbook_url"):
                if not annotations.get(key, "").strip():
                    problems.append(f"{name}: no {key}")
            # absent() has no instance to name: it says that there is none.
            if "absent(" not in rule["expr"] and "$labels.instance" not in annotations.get("summary", ""):
                problems.append(f"{name}: the summary does not name the host ($labels.instance)")
            section = annotations.get("runbook_url", "").rpartition("#")[2]
            if section != name.lower() or section not in sections:
                problems.append(f"{name}: runbook_url #{section} is not the section "
                                f"'## {name}' of {runbook_path}")
    for problem in problems:
        print(f"{rules_path}: {problem}", file=sys.stderr)
    if not problems:
        print(f"{rules_path}: {alerts} alerts, each with severity, summary, description and runbook section")
    return 1 if problems or alerts == 0 else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
