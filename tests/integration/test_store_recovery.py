"""End-to-end: a damaged store (pages in the middle of wsusd.db overwritten with garbage, as a bad sector or a torn
copy leaves it). wsusd refuses to start with exit status 3 and a log line naming the file and `wsusd store
recover`; `wsusd store check` says the same on demand; `wsusd store recover --latest-backup` installs the online
backup taken earlier (after its integrity check) and `--reset` an empty store that keeps the admin token; after
each, wsusd serves again (GetConfig validated against the schema). A damaged backup is refused (exit 5) and the
store is left as it was."""
import json
import os
import random
import subprocess
import unittest

import soapcheck
from wsusd_harness import CLIENT_PATH, WSUSD_BIN, Wsusd, capture, read_capture, soap_post

EXIT_CORRUPT = 3
EXIT_NO_BACKUP = 5
GETCONFIG_ACTION = "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/GetConfig"
GETCONFIG_REQ = read_capture("wsus-m0-native", "scan", "000001", "request.body")


def run(*args, check=True):
    r = subprocess.run([WSUSD_BIN, *args], capture_output=True, text=True, timeout=300)
    if check and r.returncode != 0:
        raise AssertionError(f"wsusd {' '.join(args)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r


def damage_middle(path, seed=1):
    """Overwrites the middle third of an SQLite file, whole pages, with random bytes."""
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        header = f.read(100)
        page = int.from_bytes(header[16:18], "big") or 65536
        pages = size // page
        assert pages >= 30, f"{path}: {pages} pages is too small a store to damage in the middle"
        rng = random.Random(seed)
        for n in range(pages // 3, 2 * pages // 3):
            f.seek(n * page)
            f.write(rng.randbytes(page))


class StoreRecovery(unittest.TestCase):
    def setUp(self):
        self.server = Wsusd()
        self.data = self.server.data_dir
        self.db = os.path.join(self.data, "wsusd.db")
        # A synthetic catalog built from the captured real documents makes the store large enough to have pages in
        # the middle worth damaging (the tables the migrations create, tokens and settings among them, come first).
        generated = os.path.join(os.path.dirname(self.data), "catalog")
        run("catalog", "generate", generated, "--revisions", "300", "--templates", capture("wsus-m0-wsusss", "docs"))
        run("catalog", "import", generated, "--data-dir", self.data, "--quiet")
        self.token_file = os.path.join(os.path.dirname(self.data), "admin.token")
        run("token", "create", "alice", "--data-dir", self.data, "--write", self.token_file)
        with open(self.token_file) as f:
            self.token = f.read().strip()

    def tearDown(self):
        self.server.close()

    def api(self, method, path, body=None):
        conn = self.server.admin()
        headers = {"Authorization": f"Bearer {self.token}"}
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        return r.status, json.loads(r.read() or b"null")

    def group_names(self):
        status, body = self.api("GET", "/api/v1/groups")
        self.assertEqual(status, 200, body)
        return {g["name"] for g in body["groups"]}

    def assert_serving(self):
        status, _, body = soap_post(self.server.http(), CLIENT_PATH, GETCONFIG_REQ, GETCONFIG_ACTION)
        self.assertEqual(status, 200, body)
        soapcheck.validate(body)

    def assert_refuses_to_start(self):
        port_args = ["--http-port", "0", "--https-port", "0", "--admin-port", "0", "--bind", "127.0.0.1"]
        r = run("serve", "--data-dir", self.data, *port_args, check=False)
        self.assertEqual(r.returncode, EXIT_CORRUPT, r.stdout + r.stderr)
        out = r.stdout + r.stderr
        self.assertIn(self.db, out, "the log line names the file")
        self.assertIn("wsusd store recover", out, "and says what to run")
        self.assertFalse(os.path.exists(os.path.join(self.data, "ports.json")), "nothing was served")
        check = run("store", "check", "--data-dir", self.data, check=False)
        self.assertEqual(check.returncode, EXIT_CORRUPT, check.stdout + check.stderr)
        self.assertIn("store recover", check.stderr)

    def test_refuses_a_damaged_store_then_recovers_from_backup_and_from_reset(self):
        self.server.start()
        self.assert_serving()
        status, body = self.api("POST", "/api/v1/groups", {"name": "Ring 1"})
        self.assertEqual(status, 201, body)
        status, backup = self.api("POST", "/api/v1/backup", {})
        self.assertEqual(status, 200, backup)
        self.assertTrue(backup["path"].startswith(os.path.join(self.data, "backups")), backup)
        status, body = self.api("POST", "/api/v1/groups", {"name": "After the backup"})
        self.assertEqual(status, 201, body)
        self.assertEqual(self.server.stop(), 0)
        os.remove(os.path.join(self.data, "ports.json"))

        damage_middle(self.db)
        self.assert_refuses_to_start()

        # A damaged backup named explicitly: refused, the store stays as it is (still damaged).
        bad_backup = os.path.join(os.path.dirname(self.data), "bad-backup.db")
        with open(backup["path"], "rb") as src, open(bad_backup, "wb") as dst:
            dst.write(src.read())
        damage_middle(bad_backup, seed=2)
        before = os.path.getsize(self.db)
        r = run("store", "recover", "--data-dir", self.data, "--from-backup", bad_backup, check=False)
        self.assertEqual(r.returncode, EXIT_NO_BACKUP, r.stdout + r.stderr)
        self.assertIn("bad-backup.db", r.stderr)
        self.assertEqual(os.path.getsize(self.db), before)
        r = run("store", "recover", "--data-dir", self.data, "--latest-backup", "--reset", check=False)
        self.assertEqual(r.returncode, 2, "one way at a time: " + r.stdout + r.stderr)

        # From the latest backup: the state of the backup, nothing later.
        r = run("store", "recover", "--data-dir", self.data, "--latest-backup")
        self.assertIn("restored from " + backup["path"], r.stdout)
        self.assertTrue(any(n.startswith("wsusd.db.corrupt-") for n in os.listdir(self.data)),
                        "the damaged store is kept aside")
        run("store", "check", "--data-dir", self.data)
        self.server.start()
        self.assert_serving()
        groups = self.group_names()
        self.assertIn("Ring 1", groups)
        self.assertNotIn("After the backup", groups)
        self.assertEqual(self.server.stop(), 0)
        os.remove(os.path.join(self.data, "ports.json"))

        # Damaged again, and this time reset: empty, the admin token still works, serving again.
        damage_middle(self.db, seed=3)
        self.assert_refuses_to_start()
        r = run("store", "recover", "--data-dir", self.data, "--reset")
        self.assertIn("reset", r.stdout)
        run("store", "check", "--data-dir", self.data)
        self.server.start()
        self.assert_serving()
        self.assertEqual(self.group_names(), {"All Computers", "Unassigned Computers"})

    def test_recover_refuses_while_wsusd_runs(self):
        self.server.start()
        r = run("store", "recover", "--data-dir", self.data, "--reset", check=False)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("is running", r.stderr)
        self.assert_serving()


if __name__ == "__main__":
    unittest.main()
