"""Writes a layers fixture file in the JSON layout every Kiln fixture uses (read by the tests'
one JSON reader, dev.kiln.tensor.testing.Json):

    {"generator": "tools/<script>.py", "torch": "<version>", "cases": [
      {"name": "<case>", "args": {"<key>": "<value as a string>", ...},
       "tensors": {"<name>": {"dtype": "f64" | "i32", "shape": [<dims>], "data": [<values>]}, ...}},
      ...]}

Values are Python's repr of each double (shortest round-trip; NaN and Infinity as Python's json
writes them); a 0-d tensor has shape []. One case per line keeps diffs readable.
"""

import json


def tensor(t):
    """A tensor (or anything with .dtype, .shape, .reshape) as the fixture's tensor object."""
    flat = t.reshape(-1).tolist()
    if str(t.dtype) in ("torch.int64", "torch.int32"):
        return {"dtype": "i32", "shape": list(t.shape), "data": [int(v) for v in flat]}
    return {"dtype": "f64", "shape": list(t.shape), "data": [float(v) for v in flat]}


def write(path, generator, torch_version, cases):
    """cases: a list of {"name", "args", "tensors"} dicts, in order."""
    with open(path, "w") as f:
        f.write('{"generator": ' + json.dumps(generator) + ', "torch": ' + json.dumps(torch_version)
                + ', "cases": [\n')
        f.write(",\n".join(json.dumps(c, separators=(", ", ": ")) for c in cases))
        f.write("\n]}\n")
