#!/usr/bin/python3
"""Reads a Prometheus rule file as JSON on stdin and writes it as YAML, the
way people write rule files: each rule's keys in the usual order and
multi-line expressions as literal blocks."""
import json
import sys

import yaml

KEY_ORDER = ["name", "interval", "rules", "record", "alert", "expr", "for", "labels", "annotations"]


class Dumper(yaml.SafeDumper):
    pass


def represent_str(dumper, text):
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


def represent_dict(dumper, mapping):
    def rank(item):
        key = item[0]
        return (KEY_ORDER.index(key) if key in KEY_ORDER else len(KEY_ORDER), key)
    return dumper.represent_mapping("tag:yaml.org,2002:map", sorted(mapping.items(), key=rank))


Dumper.add_representer(str, represent_str)
Dumper.add_representer(dict, represent_dict)

sys.stdout.write("# Generated from deploy/mixin by deploy/mixin/generate: edit the mixin, not this file.\n")
yaml.dump(json.load(sys.stdin), sys.stdout, Dumper=Dumper, width=100000, allow_unicode=True,
          default_flow_style=False, indent=2)
