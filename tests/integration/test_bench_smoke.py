"""Smoke test of the fleet simulator (bench/, see bench/README.md): a few seconds of simulated Windows Update
Agents against a real wsusd on a 300-revision synthetic catalog, then the same workload replayed on the
static baseline server. Correctness only, no timing assertions: no errors, every client finished its first
scan, and each was offered exactly the approved updates' closure (wsus-fleet --check compares every first
scan with what wsus-fleet-setup computed from the catalog graph).

Environment (set by CTest): WSUSD_BIN, WSUSD_BENCH_BIN_DIR (the folder of wsus-fleet, wsus-fleet-setup and
wsus-static-server), WSUSD_SHARED_DIR."""
import json
import os
import subprocess
import tempfile
import unittest

from wsusd_harness import SHARED_DIR, WSUSD_BIN, Wsusd

BENCH_BIN_DIR = os.environ.get("WSUSD_BENCH_BIN_DIR", "build/bench")
FLEET = os.path.join(BENCH_BIN_DIR, "wsus-fleet")
SETUP = os.path.join(BENCH_BIN_DIR, "wsus-fleet-setup")
STATIC = os.path.join(BENCH_BIN_DIR, "wsus-static-server")
TEMPLATES = os.path.join(SHARED_DIR, "captures", "wsus-m0-wsusss", "docs")
GROUPS = 2
COMPUTERS = 12


def run(args, timeout=120):
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout + r.stderr


class FleetSmokeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        missing = [b for b in (FLEET, SETUP, STATIC) if not os.access(b, os.X_OK)]
        if missing:
            raise unittest.SkipTest(f"bench tools not built (WSUSD_BUILD_BENCH=OFF?): {missing}")
        cls.tmp = tempfile.TemporaryDirectory(prefix="wsusd-fleet-")
        catalog = os.path.join(cls.tmp.name, "catalog")
        data = os.path.join(cls.tmp.name, "data")
        cls.manifest_path = os.path.join(cls.tmp.name, "manifest.json")
        rc, out = run([WSUSD_BIN, "catalog", "generate", "--revisions", "300", "--seed", "5", "--templates", TEMPLATES,
                       catalog])
        assert rc == 0, out
        rc, out = run([SETUP, "--data-dir", data, "--import", catalog, "--groups", str(GROUPS), "--approve", "30",
                       "--approve-per-group", "5", "--approve-drivers", "5", "--computers", str(COMPUTERS),
                       "--manifest", cls.manifest_path, "--cookies", os.path.join(cls.tmp.name, "old-cookies.txt")])
        assert rc == 0, out
        with open(cls.manifest_path) as f:
            cls.manifest = json.load(f)
        cls.server = Wsusd(data_dir=data).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.tmp.cleanup()

    def fleet(self, *args):
        report_path = os.path.join(self.tmp.name, "report.json")
        rc, out = run([FLEET, "--ports", os.path.join(self.server.data_dir, "ports.json"), "--manifest",
                       self.manifest_path, "--static-server", STATIC, "--work-dir", self.tmp.name, "--check",
                       "--max-time", "60", "--json", report_path, *args])
        self.assertEqual(rc, 0, out + "\n--- wsusd log ---\n" + self.server.log()[-4000:])
        with open(report_path) as f:
            return json.load(f)

    def test_manifest_expects_a_real_closure(self):
        for key, e in self.manifest["expected"].items():
            software, approved = set(e["software"]), set(e["approved"])
            self.assertTrue(e["drivers"], f"{key}: the driver pass offers something")
            self.assertLess(len(approved & software), len(software), f"{key}: dependencies come with the approvals")
            self.assertTrue(approved <= software | set(e["drivers"]), f"{key}: every approval is reachable")

    def test_first_scans_and_daily_cycles_are_correct(self):
        report = self.fleet("--registered", str(COMPUTERS), "--new", "6", "--concurrency", "4", "--cycle", "daily",
                            "--old-cookies", os.path.join(self.tmp.name, "old-cookies.txt"))
        self.assertEqual(report["errors"], 0)
        self.assertEqual(report["check_failures"], 0)
        warm = report["phases"]["warmup_first_scans"]
        self.assertEqual(warm["first_scan"]["clients"], GROUPS, "one template first scan per ring")
        measured = report["phases"]["wsusd"]
        self.assertEqual(measured["jobs"]["done"], COMPUTERS + 6, measured["jobs"])
        self.assertEqual(measured["first_scan"]["clients"], 6, "every new client finished its first scan")
        self.assertEqual(measured["checks"]["failures"], 0, measured["checks"])
        ops = measured["ops"]
        self.assertEqual(ops["RegisterComputer"]["requests"], 6)
        self.assertEqual(ops["GetCookie"]["requests"], COMPUTERS + 6)
        for name in ("SyncUpdates (first, software)", "SyncUpdates (first, drivers)", "SyncUpdates (daily, software)",
                     "GetExtendedUpdateInfo"):
            self.assertGreater(ops[name]["requests"], 0, name)
        for name, op in ops.items():
            self.assertEqual(op["errors"], 0, f"{name}: {op.get('error_kinds')}")
        # Yesterday's cookie named in GetCookie keeps the deployment anchor: the daily scan of an up-to-date computer
        # is differential (a SyncInfo with a new cookie), not every cached deployment again (tens of KB here).
        daily = ops["SyncUpdates (daily, software)"]
        self.assertLess(daily["decoded_bytes"] / daily["requests"], 2000, daily)
        # The baseline replays the recorded bytes: the same clients reach the same end.
        static = report["phases"]["static"]
        self.assertEqual(static["errors"], 0, static.get("ops"))
        self.assertEqual(static["jobs"]["done"], COMPUTERS + 6)
        self.assertEqual(static["first_scan"]["sync_decoded_bytes"], measured["first_scan"]["sync_decoded_bytes"])

    def test_storm_of_differential_scans_in_a_closed_loop(self):
        report = self.fleet("--registered", "4", "--cycle", "diff", "--loop", "--duration", "2", "--concurrency", "4")
        self.assertEqual(report["errors"], 0)
        self.assertEqual(report["check_failures"], 0)
        ops = report["phases"]["wsusd"]["ops"]
        self.assertGreater(ops["SyncUpdates (diff, software)"]["requests"], 4, "clients loop until --duration")
        self.assertEqual(report["phases"]["static"]["errors"], 0)


if __name__ == "__main__":
    unittest.main()
