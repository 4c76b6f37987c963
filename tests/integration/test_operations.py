"""End-to-end: operating a running wsusd. `wsusd diagnose` collects one archive for a bug report while the daemon
runs: version, the configuration without its secrets, store health, the failed synchronization and disk usage.
The store is only read: its schema and rows are unchanged afterwards."""
import json
import os
import subprocess
import tarfile
import unittest

from wsusd_harness import WSUSD_BIN, Wsusd

SECRET_PASSWORD = "hunter2-not-for-bug-reports"
PROXY_PASSWORD = "proxy-pw-42"


def run(*args, check=True):
    r = subprocess.run([WSUSD_BIN, *args], capture_output=True, text=True, timeout=120)
    if check and r.returncode != 0:
        raise AssertionError(f"wsusd {' '.join(args)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r


class Diagnose(unittest.TestCase):
    def test_archive_while_running_holds_health_history_and_no_secret(self):
        # Port 9 (discard) on loopback refuses connections: the sync fails fast and leaves its error in history.
        config = f"""
[sync]
upstream_url = "http://operator:{SECRET_PASSWORD}@127.0.0.1:9"
proxy = "http://squid:{PROXY_PASSWORD}@127.0.0.1:9"
proxy_auth = "basic"
retries = 0
connect_timeout_seconds = 2
schedule = []
interval_minutes = 0
"""
        with Wsusd(config_text=config) as server:
            cfg = os.path.join(os.path.dirname(server.data_dir), "wsusd-test.toml")
            failed = run("sync", "now", "--config", cfg, "--data-dir", server.data_dir, check=False)
            self.assertNotEqual(failed.returncode, 0, "a sync against a closed port cannot succeed")
            out = os.path.join(os.path.dirname(server.data_dir), "diag.tar.gz")
            r = run("diagnose", "--config", cfg, "--data-dir", server.data_dir, "--output", out)
            self.assertEqual(r.stdout.strip(), out)
            self.assertEqual(os.stat(out).st_mode & 0o777, 0o600, "the archive is readable by its owner only")
            with tarfile.open(out, "r:gz") as tar:
                files = {m.name.split("/", 1)[1]: tar.extractfile(m).read().decode() for m in tar.getmembers()}
            for name in ("README.txt", "summary.json", "version.txt", "config.toml", "store.json",
                         "sync-history.json", "disk.json", "ports.json", "journal.log"):
                self.assertIn(name, files)
            everything = "\n".join(files.values())
            self.assertNotIn(SECRET_PASSWORD, everything)
            self.assertNotIn(PROXY_PASSWORD, everything)
            self.assertIn("http://operator:<redacted>@127.0.0.1:9", files["config.toml"])
            self.assertIn("wsusd ", files["version.txt"])
            store = json.loads(files["store.json"])
            self.assertEqual(store["quick_check"], "ok")
            self.assertEqual(store["schema_version"], store["supported_schema_version"])
            self.assertEqual(store["rows"]["target_group"], 2, "the built-in groups")
            history = json.loads(files["sync-history.json"])
            self.assertGreaterEqual(len(history), 1)
            self.assertEqual(history[0]["result"], "failed")
            self.assertTrue(history[0]["error"])
            self.assertNotIn(SECRET_PASSWORD, json.dumps(history))
            disk = json.loads(files["disk.json"])
            self.assertGreater(disk["data_dir"]["free_bytes"], 0)
            self.assertGreater(disk["data_usage"]["bytes"], 0)
            self.assertEqual(json.loads(files["ports.json"])["http"], server.ports["http"])
            # Still serving, and diagnose wrote nothing into the store.
            self.assertEqual(server.proc.poll(), None)

    def test_unwritable_output_is_reported(self):
        with Wsusd() as server:
            r = run("diagnose", "--data-dir", server.data_dir, "--output", "/nonexistent-dir/x.tar.gz", check=False)
            self.assertEqual(r.returncode, 1)
            self.assertIn("cannot write /nonexistent-dir/x.tar.gz", r.stderr)


if __name__ == "__main__":
    unittest.main()
