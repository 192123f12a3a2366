"""Draws bench/downtime.svg from bench/results.json: one horizontal bar per reboot path (kexec,
and each real firmware path), cut into its phases, the median of each phase.

Why this exists: where a reboot's time goes is easier to see than to read from a table. It runs
at the end of `make bench` (bench/run.sh), in the matplotlib virtualenv that tests/deps.sh makes
(target/plot).

Usage: downtime.py RESULTS.json OUT.svg
"""

import json
import sys

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402 (the backend is chosen first)

# The phases in the order a reboot goes through them, with their legend text and colour.
PHASES = [
    ("rc6_halt", "rc 6 + halt (services, processes, filesystems)", "#7f7f7f"),
    ("firmware", "firmware (reset, POST)", "#d62728"),
    ("boot_loader", "boot loader (menu timeout, loading, decompressing)", "#ff7f0e"),
    ("kexec", "kexec (purgatory, decompressing)", "#2ca02c"),
    ("kernel_to_ready", "kernel to ready (init, rc 3)", "#1f77b4"),
]


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: downtime.py RESULTS.json OUT.svg\n")
        return 2
    results_path, out_path = argv[1], argv[2]
    try:
        with open(results_path, encoding="utf-8") as f:
            results = json.load(f)
        paths = results["downtime_s"]
        reboots = results["downtime_reboots"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        sys.stderr.write(f"downtime.py: {results_path}: no downtime figures ({e}); run make bench\n")
        return 1

    # Reproducible output: no date, fixed ids, text kept as text.
    plt.rcParams["svg.hashsalt"] = "kexec-reboot"
    plt.rcParams["svg.fonttype"] = "none"
    plt.rcParams["font.size"] = 10

    fig, ax = plt.subplots(figsize=(10, 1.1 + 0.75 * len(paths)))
    labels = [p["label"] for p in paths]
    ys = list(range(len(paths)))[::-1]
    for key, text, colour in PHASES:
        lefts = []
        widths = []
        for p in paths:
            before = sum(p["phases"][k] for k, _, _ in PHASES[: [k for k, _, _ in PHASES].index(key)])
            lefts.append(before)
            widths.append(p["phases"][key])
        if any(w > 0 for w in widths):
            ax.barh(ys, widths, left=lefts, height=0.6, color=colour, label=text)
    for y, p in zip(ys, paths):
        total = sum(p["phases"][k] for k, _, _ in PHASES)
        note = f"{total:.1f} s"
        if "ratio_kexec_to_this" in p:
            note += f"  (kexec takes {p['ratio_kexec_to_this']}x of this)"
        ax.text(total + 0.2, y, note, va="center")
    ax.set_yticks(ys)
    ax.set_yticklabels(labels)
    width = max(sum(p["phases"][k] for k, _, _ in PHASES) for p in paths)
    ax.set_xlim(0, width * 1.3)
    ax.set_xlabel("seconds from `shutdown -r now` to the next boot's READY (median of each phase)")
    ax.set_title(
        f"Reboot downtime under QEMU (TCG, no KVM), {reboots} reboots per path, {results['date']}",
        fontsize=10,
    )
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, frameon=False, fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    fig.savefig(out_path, format="svg", bbox_inches="tight", metadata={"Date": None})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
