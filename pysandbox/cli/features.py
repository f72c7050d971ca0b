"""pysandbox features: what this kernel offers a sandbox (pysandbox.features)."""
import json

from pysandbox import features


def run(args):
    facts = features.gather()
    if args.json:
        print(json.dumps(facts, indent=2, sort_keys=True))
    else:
        print(features.text(facts))
