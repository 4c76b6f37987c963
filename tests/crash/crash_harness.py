#!/usr/bin/env python3
"""Crash-safety harness (issue #12): SIGKILLs wsusd at random points of catalog import, downstream metadata sync,
event ingestion, approval changes and content download, restarts it, checks the store's invariants after every kill,
lets the interrupted work complete and checks that it did. See README.md in this folder.

    tests/crash/crash_harness.py --kills 100 --seed N [--scenario a --scenario e ...] [--smoke]

Prints, per scenario, the kills (and how many landed while work was in progress), the violations (must be 0) and
whether the work completed; exits 0 only when every scenario has no violation and completed. Environment as for the
integration tests: WSUSD_BIN, WSUSCTL_BIN, WSUSD_SEED_BIN, WSUSD_SHARED_DIR, WSUSD_SCHEMA_DIR."""
import argparse
import os
import random
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)

import scenarios  # noqa: E402  (after the path set-up above)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kills", type=int, default=100, help="SIGKILLs in total, spread evenly over the scenarios")
    p.add_argument("--seed", type=int, default=None, help="random seed (printed; default: from the clock)")
    p.add_argument("--scenario", action="append", default=[],
                   help="a..e or a name (%s); repeatable; default all" % ", ".join(scenarios.ALL))
    p.add_argument("--smoke", action="store_true", help="smaller catalogs, and the suite's extra requirements: "
                                                         "several kills in the middle of the metadata sync")
    p.add_argument("--keep", action="store_true", help="keep the data directories (printed) for inspection")
    return p.parse_args(argv)


def run_scenario(cls, tmp, seed, kills, smoke):
    s = cls(tmp, random.Random(f"{seed}/{cls.name}"), smoke)
    t0 = time.time()
    try:
        s.setup()
        for _ in range(kills):
            s.start_work()
            s.wait_and_kill()
            s.after_kill()
            s.restart()
        s.complete()
    except Exception:
        s.violations.append("harness error: " + traceback.format_exc().strip().splitlines()[-1])
        s.notes.append(traceback.format_exc())
        s.completed = False
    finally:
        try:
            s.teardown()
        except Exception:
            s.notes.append("teardown: " + traceback.format_exc())
    s.seconds = time.time() - t0
    return s


def main(argv):
    args = parse_args(argv)
    seed = args.seed if args.seed is not None else int(time.time()) % 100000
    names = [scenarios.SHORT.get(n, n) for n in args.scenario] or list(scenarios.ALL)
    for n in names:
        if n not in scenarios.ALL:
            sys.exit(f"crash_harness: unknown scenario {n!r} (choose from a..e or {', '.join(scenarios.ALL)})")
    share, extra = divmod(args.kills, len(names))
    print(f"crash harness: seed {seed}, {args.kills} kills over {', '.join(names)}", flush=True)
    tmp = tempfile.mkdtemp(prefix="wsusd-crash-")
    results = []
    start = time.time()
    for i, n in enumerate(names):
        kills = share + (1 if i < extra else 0)
        s = run_scenario(scenarios.ALL[n], tmp, seed, kills, args.smoke)
        if args.smoke and n == "dss_metadata_sync" and s.mid_work < min(2, kills):
            s.violations.append(f"only {s.mid_work} of {kills} kills landed in the middle of the metadata sync")
        results.append(s)
        print(f"  {n:<18} kills {s.kills:>3} (mid-work {s.mid_work:>3})  violations {len(s.violations):>3}  "
              f"completed {'yes' if s.completed else 'NO '}  {s.seconds:6.1f} s", flush=True)
        for v in s.violations[:20]:
            print(f"      violation: {v}")
        for note in s.notes:
            print(f"      note: {note.strip()}")
    total_v = sum(len(s.violations) for s in results)
    ok = total_v == 0 and all(s.completed for s in results)
    print(f"total: {sum(s.kills for s in results)} kills, {total_v} violations, "
          f"{sum(s.completed for s in results)}/{len(results)} completed, {time.time() - start:.1f} s wall, "
          f"seed {seed}")
    if args.keep:
        print(f"data kept in {tmp}")
    else:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
