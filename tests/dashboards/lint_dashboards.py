#!/usr/bin/python3
"""Lints Grafana dashboards with the rules of grafana/dashboard-linter.

The linter itself cannot be installed here, so its rules are implemented
over the JSON: a templated Prometheus datasource, job and instance
variables (multi, all-value `.+`, refreshed on time change), panels that
use the template datasource and have a title, a description and a known
unit, targets whose every selector matches $job and $instance, ranges of
$__rate_interval, counters only inside a range function, an uneditable
dashboard, and PromQL that parses (checked with promtool).

usage: lint_dashboards.py DASHBOARD.json...   exit 1 listing every problem
       lint_dashboards.py --self-test         checks that each rule catches
                                              what it is for
"""
import copy
import json
import os
import re
import subprocess
import sys
import tempfile

DATASOURCE_UIDS = {"$datasource", "${datasource}"}
# Grafana unit ids that make sense for these metrics (a subset of Grafana's
# own list; anything else is most likely a typo).
UNITS = {
    "short", "none", "percent", "percentunit", "s", "ms", "µs", "ns", "m", "h", "d",
    "dtdurations", "dtdurationms", "ops", "reqps", "rps", "wps", "iops", "cps",
    "bytes", "decbytes", "bits", "Bps", "bps", "dateTimeAsIso", "dateTimeFromNow",
}
PANELS_WITH_UNITS = {"timeseries", "stat", "gauge", "bargauge", "graph", "singlestat",
                     "table", "heatmap"}
KEYWORDS = {
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
    "bottomk", "topk", "quantile", "by", "without", "on", "ignoring", "group_left",
    "group_right", "and", "or", "unless", "offset", "bool", "inf", "nan", "atan2",
}
LABEL_LIST_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right"}
COUNTER_SUFFIXES = ("_total", "_bucket", "_sum", "_count")
TOKEN = re.compile(r"""
    (?P<string>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')
  | (?P<braces>\{(?:"(?:\\.|[^"\\])*"|[^}"])*\})
  | (?P<range>\[[^\]]*\])
  | (?P<number>\d+(?:\.\d+)?(?:e[+-]?\d+)?\b)
  | (?P<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<open>\()
  | (?P<close>\))
  | (?P<space>\s+)
  | (?P<other>.)
""", re.VERBOSE)


def tokens(expr):
    return [(m.lastgroup, m.group()) for m in TOKEN.finditer(expr) if m.lastgroup != "space"]


def selectors(expr):
    """(metric name or '', matchers text, range text or '') of every vector
    selector of a PromQL expression."""
    found = []
    toks = tokens(expr)
    label_list_depth = None
    depth = 0
    i = 0
    while i < len(toks):
        kind, text = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else (None, None)
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
            if label_list_depth is not None and depth < label_list_depth:
                label_list_depth = None
        elif label_list_depth is not None:
            pass  # label names inside by (...), on (...)
        elif kind == "ident" and text in LABEL_LIST_KEYWORDS:
            if nxt[0] == "open":
                label_list_depth = depth + 1
        elif kind == "ident" and text not in KEYWORDS and nxt[0] != "open":
            matchers, rng = "", ""
            j = i + 1
            if j < len(toks) and toks[j][0] == "braces":
                matchers = toks[j][1]
                j += 1
            if j < len(toks) and toks[j][0] == "range":
                rng = toks[j][1]
            found.append((text, matchers, rng))
        elif kind == "braces" and (i == 0 or toks[i - 1][0] != "ident"):
            rng = nxt[1] if nxt[0] == "range" else ""
            found.append(("", text, rng))
        i += 1
    return found


def check_expr(where, expr, problems):
    for name, matchers, rng in selectors(expr):
        shown = name + matchers
        if not re.search(r'\bjob\s*=~\s*"\$job"', matchers):
            problems.append(f'{where}: selector {shown} does not match job=~"$job"')
        if not re.search(r'\binstance\s*=~\s*"\$instance"', matchers):
            problems.append(f'{where}: selector {shown} does not match instance=~"$instance"')
        if rng and rng != "[$__rate_interval]":
            problems.append(f"{where}: {shown}{rng} should use [$__rate_interval]")
        if name.endswith(COUNTER_SUFFIXES) and not rng:
            problems.append(f"{where}: counter {name} is used without rate() or increase()")


def check_variables(dashboard, problems):
    variables = {v.get("name"): v for v in dashboard.get("templating", {}).get("list", [])}
    ds = variables.get("datasource")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        problems.append("variable datasource: missing, or not a Prometheus datasource variable")
    for name in ("job", "instance"):
        v = variables.get(name)
        if not v:
            problems.append(f"variable {name}: missing")
            continue
        if v.get("type") != "query":
            problems.append(f"variable {name}: should be a query variable")
        if v.get("label") != name.capitalize():
            problems.append(f"variable {name}: should be labelled {name.capitalize()}")
        if not v.get("multi") or not v.get("includeAll"):
            problems.append(f"variable {name}: should be multi-select with All")
        if v.get("allValue") != ".+":
            problems.append(f"variable {name}: all-value should be .+")
    for name, v in variables.items():
        if v.get("type") != "query":
            continue
        if v.get("datasource", {}).get("uid") not in DATASOURCE_UIDS:
            problems.append(f"variable {name}: should use the $datasource variable")
        if v.get("refresh") != 2:
            problems.append(f"variable {name}: should refresh on time range change (2)")
        query = v.get("query", {})
        query = query.get("query", "") if isinstance(query, dict) else query
        if not re.fullmatch(r"label_values\(.+,\s*\w+\)", query):
            problems.append(f"variable {name}: query {query!r} is not label_values(selector, label)")


def check_panels(dashboard, problems):
    for panel in dashboard.get("panels", []):
        if panel.get("type") == "row":
            continue
        title = panel.get("title", "")
        where = f"panel {title!r}"
        if not title.strip():
            problems.append(f"panel {panel.get('id')}: no title")
        if not panel.get("description", "").strip():
            problems.append(f"{where}: no description")
        if panel.get("datasource", {}).get("uid") not in DATASOURCE_UIDS:
            problems.append(f"{where}: should use the $datasource variable")
        if panel.get("type") in PANELS_WITH_UNITS:
            unit = panel.get("fieldConfig", {}).get("defaults", {}).get("unit")
            if unit not in UNITS:
                problems.append(f"{where}: unit {unit!r} is not a known Grafana unit")
        targets = panel.get("targets", [])
        if not targets:
            problems.append(f"{where}: no targets")
        for target in targets:
            if target.get("datasource", {}).get("uid") not in DATASOURCE_UIDS:
                problems.append(f"{where}: target {target.get('refId')} should use $datasource")
            check_expr(where, target.get("expr", ""), problems)


def expressions(dashboard):
    """Every PromQL expression of a dashboard: targets and annotations."""
    exprs = [t.get("expr", "") for p in dashboard.get("panels", []) for t in p.get("targets", [])]
    exprs += [a["expr"] for a in dashboard.get("annotations", {}).get("list", []) if "expr" in a]
    return exprs


def check_promql(dashboard, problems):
    """Every expression, its variables filled in, must parse: promtool
    check rules parses each as a recording rule."""
    rules = []
    for i, expr in enumerate(expressions(dashboard)):
        filled = expr.replace("$__rate_interval", "1m")
        filled = re.sub(r"\$\{?(\w+)\}?", ".+", filled)
        rules.append({"record": f"dashboard:expr_{i}:check", "expr": filled})
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
        json.dump({"groups": [{"name": "dashboard", "rules": rules}]}, f)
    try:
        result = subprocess.run(["promtool", "check", "rules", f.name],
                                capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    if result.returncode != 0:
        problems.append("PromQL that does not parse:\n" + result.stdout + result.stderr)


def lint(dashboard):
    problems = []
    if dashboard.get("editable") is not False:
        problems.append("dashboard: should not be editable (editable: false)")
    check_variables(dashboard, problems)
    check_panels(dashboard, problems)
    for i, annotation in enumerate(dashboard.get("annotations", {}).get("list", [])):
        if "expr" in annotation:
            if annotation.get("datasource", {}).get("uid") not in DATASOURCE_UIDS:
                problems.append(f"annotation {annotation.get('name')!r}: should use $datasource")
            check_expr(f"annotation {annotation.get('name')!r}", annotation["expr"], problems)
    check_promql(dashboard, problems)
    return problems


def self_test(path):
    """Breaks a good dashboard one way at a time; each must be reported."""
    with open(path) as f:
        good = json.load(f)
    assert lint(good) == [], lint(good)
    first = next(i for i, p in enumerate(good["panels"]) if p.get("targets"))

    def broken(change):
        d = copy.deepcopy(good)
        change(d, d["panels"][first], d["panels"][first]["targets"][0])
        return d

    def set_expr(expr):
        return lambda d, p, t: t.update(expr=expr)

    cases = {
        "editable": broken(lambda d, p, t: d.update(editable=True)),
        'job=~"$job"': broken(set_expr('sum(rate(accept4_calls_total{instance=~"$instance"}[$__rate_interval]))')),
        'instance=~"$instance"': broken(set_expr('sum(rate(accept4_calls_total{job=~"$job"}[$__rate_interval]))')),
        "[$__rate_interval]": broken(set_expr('sum(rate(accept4_calls_total{job=~"$job", instance=~"$instance"}[5m]))')),
        "without rate()": broken(set_expr('sum(accept4_calls_total{job=~"$job", instance=~"$instance"})')),
        "does not match job": broken(set_expr('sum by (job) (up) * on (job) group_left up{job=~"$job", instance=~"$instance"}')),
        "does not parse": broken(set_expr('sum(rate(accept4_calls_total{job=~"$job", instance=~"$instance"}[$__rate_interval])')),
        "no description": broken(lambda d, p, t: p.update(description="")),
        "unit": broken(lambda d, p, t: p["fieldConfig"]["defaults"].update(unit="percnt")),
        "$datasource": broken(lambda d, p, t: p.update(datasource={"uid": "prometheus"})),
        "all-value": broken(lambda d, p, t: next(v for v in d["templating"]["list"] if v["name"] == "instance").update(allValue=".*")),
        "variable job": broken(lambda d, p, t: d["templating"].update(list=[v for v in d["templating"]["list"] if v["name"] != "job"])),
        "refresh on time range": broken(lambda d, p, t: next(v for v in d["templating"]["list"] if v["name"] == "job").update(refresh=1)),
    }
    failed = [name for name, dashboard in cases.items()
              if not any(name in problem for problem in lint(dashboard))]
    for name in failed:
        print(f"self-test: a dashboard broken by {name!r} passed the lint", file=sys.stderr)
    return 1 if failed else 0


def main(argv):
    if len(argv) == 3 and argv[1] == "--self-test":
        return self_test(argv[2])
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    status = 0
    for path in argv[1:]:
        with open(path) as f:
            problems = lint(json.load(f))
        for problem in problems:
            print(f"{path}: {problem}", file=sys.stderr)
        status |= 1 if problems else 0
        if not problems:
            print(f"{path}: {sum(1 for _ in expressions(json.load(open(path))))} queries, no problems")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
