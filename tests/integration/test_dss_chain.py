"""End-to-end: a hierarchy of three real wsusd processes on loopback — a root (catalog and files imported, groups and
approvals made), an autonomous downstream of it, and a replica of that downstream. Updates and files flow down;
the replica mirrors its upstream's groups and approvals, the autonomous server keeps its own; a change at the root
reaches both with the next sync and only the change is transferred.
Needs python3-lxml (test_uss helpers), like the rest of the suite run by CTest with /usr/bin/python3."""
import json
import os
import subprocess
import time
import tempfile
import unittest

from fake_upstream import DOCS_DIR, doc_identity
from test_dss_sync import exported, history, wsusd
from test_uss import seed
from wsusd_harness import Wsusd


WSUSCTL_BIN = os.environ.get("WSUSCTL_BIN", "build/src/ctl/wsusctl")


class Hierarchy(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="wsusd-chain-")
        self.addCleanup(self.tmp.cleanup)

    def path(self, *p):
        return os.path.join(self.tmp.name, *p)

    def server(self, name, config_text):
        s = Wsusd(data_dir=self.path(name, "data"), config_text=config_text)
        s.start()
        self.addCleanup(s.close)
        return s

    def downstream_config(self, upstream, replica):
        return f"""
[sync]
upstream_url = "http://127.0.0.1:{upstream.ports['http']}"
replica = {str(replica).lower()}
content = "upstream"
drivers = true
retries = 2
retry_base_seconds = 0
retry_max_seconds = 1
jitter_minutes = 0
[upstream_role]
lazy_sync = false
"""

    def independent_update(self, catalog):
        """Moves out of `catalog` a software update no other document names (no bundle or prerequisite waits for
        it): the change made at the root later."""
        texts = {}
        for n in sorted(os.listdir(catalog)):
            if n.endswith(".xml"):
                with open(os.path.join(catalog, n), encoding="utf-8") as f:
                    texts[n] = f.read()
        for n, xml in texts.items():
            uid, _, kind = doc_identity(xml)
            if kind == "Software" and "BundledUpdates" not in xml and \
                    not any(uid in other for m, other in texts.items() if m != n):
                target = self.path(n)
                os.rename(os.path.join(catalog, n), target)
                return target
        self.fail("the generated catalog has no independent software update")

    def test_root_autonomous_replica(self):
        catalog, files = self.path("catalog"), self.path("files")
        wsusd("catalog", "generate", catalog, "--revisions", "60", "--seed", "11", "--templates", DOCS_DIR,
              "--write-content", files)
        root_cfg = "[upstream_role]\nlazy_sync = false\n"
        held_back = self.independent_update(catalog)
        root = Wsusd(data_dir=self.path("root", "data"), config_text=root_cfg)
        # Catalog and files go in before the root serves (offline maintenance commands on its data directory).
        os.makedirs(root.data_dir)
        wsusd("catalog", "import", catalog, "--data-dir", root.data_dir, "--quiet")
        wsusd("content", "import", files, "--data-dir", root.data_dir, "--quiet")
        some_update = sorted(n for n in os.listdir(catalog) if n.endswith(".xml"))[-1].split("-r")[0]
        seed(root, "group", "Root Ring")
        seed(root, "approve", some_update, "Root Ring", "install")
        root.start()
        self.addCleanup(root.close)

        mid = self.server("mid", self.downstream_config(root, replica=False))
        self.assertIn("succeeded", wsusd("sync", "now", "--data-dir", mid.data_dir).stdout)
        root_docs = exported(root.data_dir, self.path("x"))
        self.assertEqual(exported(mid.data_dir, self.path("x")), root_docs)
        status = wsusd("content", "status", "--data-dir", mid.data_dir).stdout
        self.assertRegex(status, r"missing[^0-9]*0\b", status)
        # Autonomous: the root's groups stay at the root; the middle server makes its own.
        ring = seed(mid, "group", "Mid Ring")
        seed(mid, "approve", some_update, "Mid Ring", "install", "2030-01-01T00:00:00Z")

        replica = self.server("replica", self.downstream_config(mid, replica=True))
        self.assertIn("succeeded", wsusd("sync", "now", "--data-dir", replica.data_dir).stdout)
        self.assertEqual(exported(replica.data_dir, self.path("x")), root_docs)
        details = history(replica.data_dir)[0]["details"]["deployments"]
        self.assertEqual((details["groups_created"], details["approvals"]), (1, 1), details)
        status = wsusd("content", "status", "--data-dir", replica.data_dir).stdout
        self.assertRegex(status, r"missing[^0-9]*0\b", status)

        # A change at the root reaches both servers with their next sync, and only the change.
        with open(held_back, encoding="utf-8") as f:
            new_id, new_rev, _ = doc_identity(f.read())
        wsusd("catalog", "import", held_back, "--data-dir", root.data_dir, "--quiet")
        for server in (mid, replica):
            self.assertIn("succeeded", wsusd("sync", "now", "--data-dir", server.data_dir).stdout)
            last = history(server.data_dir)[0]
            self.assertEqual((last["new"], last["revised"]), (1, 0), last)
            self.assertIn((new_id, new_rev), exported(server.data_dir, self.path("x")))
        self.assertEqual(history(replica.data_dir)[0]["details"]["deployments"]["approvals"], 0)

        # The administrator's side of the replica: wsusctl shows the copied approval, refuses a local one, and
        # "Synchronize Now" goes through the admin API to the scheduler.
        token = self.path("replica.token")
        wsusd("token", "create", "ops", "--data-dir", replica.data_dir, "--write", token)
        ctl = [WSUSCTL_BIN, "--data-dir", replica.data_dir, "--token-file", token, "--json"]
        shown = json.loads(subprocess.run(ctl + ["update", "show", some_update], capture_output=True, text=True,
                                          check=True, timeout=60).stdout)
        self.assertEqual([(a["group"], a["action"]) for a in shown["approved_for"]], [("Mid Ring", "install")])
        refused = subprocess.run(ctl + ["update", "approve", some_update, "--group", "Mid Ring"], capture_output=True,
                                 text=True, timeout=60)
        self.assertEqual(refused.returncode, 1)
        self.assertIn("replica", refused.stderr)
        # The middle server knows its replica (USS registry), as WSUS lists downstream servers.
        mid_token = self.path("mid.token")
        wsusd("token", "create", "ops", "--data-dir", mid.data_dir, "--write", mid_token)
        listed = json.loads(subprocess.run([WSUSCTL_BIN, "--data-dir", mid.data_dir, "--token-file", mid_token, "--json",
                                            "server", "downstream"], capture_output=True, text=True, check=True,
                                           timeout=60).stdout)["downstream_servers"]
        self.assertEqual([d["mode"] for d in listed], ["replica"])
        self.assertEqual(listed[0]["protocol"], "1.20")
        runs_before = len(json.loads(wsusd("sync", "history", "--data-dir", replica.data_dir, "--limit", "100").stdout))
        started = subprocess.run(ctl + ["sync", "start"], capture_output=True, text=True, timeout=60)
        self.assertEqual(started.returncode, 0, started.stderr)
        for _ in range(200):
            runs = json.loads(subprocess.run(ctl + ["sync", "history", "--limit", "100"], capture_output=True,
                                             text=True, check=True, timeout=60).stdout)["runs"]
            if len(runs) > runs_before and runs[0]["result"] != "running":
                break
            time.sleep(0.1)
        self.assertEqual((len(runs), runs[0]["result"]), (runs_before + 1, "succeeded"), runs)


if __name__ == "__main__":
    unittest.main()
