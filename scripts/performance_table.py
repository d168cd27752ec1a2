#!/usr/bin/env python3
"""Turns the JSON of `kernel-node benchmark pallet --json-file` runs into the comparison table of
`docs/performance.md` (see `scripts/compare.sh`), replacing what is between its markers."""

import datetime
import json
import os
import platform
import statistics
import sys

BEGIN = "<!-- compare.sh: begin -->"
END = "<!-- compare.sh: end -->"

# The dev runtime's limits (`runtime/src/configs.rs`, `BlockWeights::with_sensible_defaults`):
# 2 s of ref time per block, 75 % of it for normal extrinsics; each extrinsic also pays
# `ExtrinsicBaseWeight` and the block `BlockExecutionWeight` (frame-support's constants).
NORMAL_BLOCK_NS = 1_500_000_000
BLOCK_BASE_NS = 431_614
EXTRINSIC_BASE_NS = 108_157

ROWS = [
    ("pallet_balances", "transfer_keep_alive", "`Balances::transfer_keep_alive`"),
    ("pallet_contracts", "call", "`Contracts::call` of pallet-contracts' dummy contract"),
    ("peers", "contracts_token_transfer", "`Contracts::call` of the WAT token (`transfer`)"),
    ("pallet_kernel", "call", "`Kernel::call` of a module that does nothing"),
    ("pallet_kernel", "invoke", "`Kernel::invoke` of a capability whose creator does nothing"),
    ("pallet_kernel", "wat_token_transfer", "`Kernel::call` of the WAT token (`transfer`)"),
    ("pallet_kernel", "balance_transfer", "`Kernel::call(balance, \"transfer\")`, the SDK-built module"),
    ("pallet_kernel", "balance_slash", "`Kernel::invoke` of a `balance` `Slashable` (`slash`)"),
]


def medians(directory):
    found = {}
    for name in os.listdir(directory):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(directory, name)) as file:
            for batch in json.load(file):
                times = [r["extrinsic_time"] for r in batch["time_results"]]
                found[(batch["pallet"], batch["benchmark"])] = statistics.median(times)
    return found


def cpu():
    try:
        with open("/proc/cpuinfo") as file:
            for line in file:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def table(found):
    native = found[("pallet_balances", "transfer_keep_alive")]
    contracts = found[("pallet_contracts", "call")]
    token = found.get(("peers", "contracts_token_transfer"))
    lines = [
        f"Measured {datetime.date.today().isoformat()} on {cpu()} ({os.cpu_count()} cores), "
        "one release `kernel-node`, `benchmark pallet --steps "
        f"{os.environ.get('STEPS', '50')} --repeat {os.environ.get('REPEAT', '20')}`; medians.",
        "",
        "| operation | time | × native | × contracts dummy | × contracts token | per block |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for pallet, benchmark, label in ROWS:
        ns = found.get((pallet, benchmark))
        if ns is None:
            lines.append(f"| {label} | not measured | | | | |")
            continue
        per_block = int((NORMAL_BLOCK_NS - BLOCK_BASE_NS) // (ns + EXTRINSIC_BASE_NS))
        by_token = f"{ns / token:.2f}" if token else ""
        lines.append(
            f"| {label} | {ns / 1000:.1f} µs | {ns / native:.2f} | {ns / contracts:.2f} "
            f"| {by_token} | {per_block:,} |"
        )
    lines += [
        "",
        "\"Per block\": how many fit in the normal share of a 2 s block "
        f"({NORMAL_BLOCK_NS / 1e9:.1f} s, less the block's base), each with "
        f"`ExtrinsicBaseWeight` ({EXTRINSIC_BASE_NS / 1000:.0f} µs) on top.",
    ]
    return "\n".join(lines)


def main():
    directory, document = sys.argv[1], sys.argv[2]
    with open(document) as file:
        text = file.read()
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    text = text[:start] + "\n" + table(medians(directory)) + "\n" + text[end:]
    with open(document, "w") as file:
        file.write(text)


if __name__ == "__main__":
    main()
