"""Times two commands run alternately, so that a machine getting busier or quieter during the
benchmark slows both alike, and prints both medians and the median of the per-pair ratios.

    python3 bench/paired.py RUNS NAME_A 'COMMAND A' NAME_B 'COMMAND B'

Each command runs once first as a warm-up (page cache, the peer's own caches on disk), then the
two alternate RUNS times. An exit code of 2 or more (a tool that could not run) stops the
benchmark with the command's error output; 0 and 1 (findings) are normal.
"""
import shlex
import statistics
import subprocess
import sys
import time


def run(cmd):
    start = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    took = time.perf_counter() - start
    if done.returncode >= 2:
        sys.stderr.write(done.stderr.decode(errors="replace"))
        sys.exit(f"failed (exit {done.returncode}): {shlex.join(cmd)}")
    return took


def main():
    runs = int(sys.argv[1])
    name_a, cmd_a = sys.argv[2], shlex.split(sys.argv[3])
    name_b, cmd_b = sys.argv[4], shlex.split(sys.argv[5])
    run(cmd_a)
    run(cmd_b)
    times_a, times_b = [], []
    for i in range(runs):
        # Alternate which goes first, so neither always follows the other.
        order = [(cmd_a, times_a), (cmd_b, times_b)]
        for cmd, times in order if i % 2 == 0 else reversed(order):
            times.append(run(cmd))
    ratios = [b / a for a, b in zip(times_a, times_b)]
    a, b, r = statistics.median(times_a), statistics.median(times_b), statistics.median(ratios)
    print(f"{name_a:<24} {a:9.3f} s (median of {runs}; {min(times_a):.3f}-{max(times_a):.3f})")
    print(f"{name_b:<24} {b:9.3f} s (median of {runs}; {min(times_b):.3f}-{max(times_b):.3f})")
    print(f"RATIO {name_a} is {r:.1f}x faster than {name_b} (median of the {runs} paired ratios, "
          f"{min(ratios):.1f}-{max(ratios):.1f})")


if __name__ == "__main__":
    main()
