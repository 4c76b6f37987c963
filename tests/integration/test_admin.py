"""End-to-end administration: wsusctl against a running wsusd (admin API over HTTPS with a pinned certificate and
a token), and the effect of each change on what scanning clients are offered (wusp_client.full_scan over the
real captured request shapes). Catalog: 300 synthetic revisions generated from the real update documents."""
import json
import os
import subprocess
import tempfile
import unittest
import uuid

import soapcheck
from test_reporting import EVENTS, REPORTING_PATH, SD, batch_request, event_xml
from wsusd_harness import SHARED_DIR, WSUSD_BIN, Wsusd, soap_post
from wusp_client import full_scan, register

WSUSCTL_BIN = os.environ.get("WSUSCTL_BIN", "build/src/ctl/wsusctl")
TEMPLATES = os.path.join(SHARED_DIR, "captures", "wsus-m0-wsusss", "docs")


def run(args, timeout=60, env=None):
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)
    return r.returncode, r.stdout, r.stderr


class AdminTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="wsusd-admin-")
        catalog = os.path.join(cls.tmp.name, "catalog")
        rc, out, err = run([WSUSD_BIN, "catalog", "generate", "--revisions", "300", "--seed", "5", "--templates",
                            TEMPLATES, catalog], timeout=120)
        assert rc == 0, out + err
        cls.server = Wsusd(data_dir=os.path.join(cls.tmp.name, "data"))
        rc, out, err = run([WSUSD_BIN, "catalog", "import", catalog, "--data-dir", cls.server.data_dir, "--quiet"],
                           timeout=120)
        assert rc == 0, out + err
        cls.token_file = os.path.join(cls.tmp.name, "admin.token")
        rc, out, err = run([WSUSD_BIN, "token", "create", "alice", "--data-dir", cls.server.data_dir, "--write",
                            cls.token_file])
        assert rc == 0, out + err
        assert oct(os.stat(cls.token_file).st_mode & 0o777) == "0o600"
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.tmp.cleanup()

    def ctl(self, *args, token_file=None, expect=0):
        rc, out, err = run([WSUSCTL_BIN, "--data-dir", self.server.data_dir, "--token-file",
                            token_file or self.token_file, *args])
        self.assertEqual(rc, expect, f"wsusctl {' '.join(args)}: {out}{err}")
        return out, err

    def ctl_json(self, *args):
        out, _ = self.ctl(*args, "--json")
        return json.loads(out)

    def software_updates(self, n):
        listed = self.ctl_json("update", "list", "--approval", "unapproved", "--limit", "200")["updates"]
        picked = [u["id"] for u in listed if u["type"] == "software" and not u["declined"]
                  and not u["expired"]]  # the maintenance timer declines expired updates
        self.assertGreaterEqual(len(picked), n)
        return picked[:n]

    def scan(self, client_id):
        return full_scan(self.server.http(), client_id)

    # --- authentication ----------------------------------------------------------------------
    def test_calls_without_a_valid_token_are_refused(self):
        bad = os.path.join(self.tmp.name, "bad.token")
        with open(bad, "w") as f:
            f.write("wsusd_not-a-token\n")
        _, err = self.ctl("group", "list", token_file=bad, expect=4)
        self.assertIn("invalid token", err)
        conn = self.server.admin()
        conn.request("GET", "/api/v1/groups")
        r = conn.getresponse()
        self.assertEqual(r.status, 401)
        self.assertIn("Bearer", r.getheader("WWW-Authenticate"))
        self.assertIn("authentication required", json.loads(r.read())["error"])

    def test_revoked_token_stops_working(self):
        other = os.path.join(self.tmp.name, "bob.token")
        rc, out, err = run([WSUSD_BIN, "token", "create", "bob", "--data-dir", self.server.data_dir, "--write", other])
        self.assertEqual(rc, 0, out + err)
        self.ctl("group", "list", token_file=other)
        rc, out, err = run([WSUSD_BIN, "token", "revoke", "bob", "--data-dir", self.server.data_dir])
        self.assertEqual(rc, 0, out + err)
        self.ctl("group", "list", token_file=other, expect=4)

    # --- arguments ---------------------------------------------------------------------------
    def test_bad_arguments_are_named(self):
        (update,) = self.software_updates(1)
        _, err = self.ctl("update", "approve", update, "--group", "No Such Group", expect=1)
        self.assertIn("group", err)
        self.assertIn("No Such Group", err)
        _, err = self.ctl("update", "approve", update, "--group", "All Computers", "--deadline", "next week",
                          expect=1)
        self.assertIn("deadline", err)
        _, err = self.ctl("update", "approve", "not-a-guid", "--group", "All Computers", expect=1)
        self.assertIn("update", err)
        _, err = self.ctl("update", "list", "--approval", "sometimes", expect=2)
        self.assertIn("approval", err)
        conn = self.server.admin()
        conn.request("POST", f"/api/v1/updates/{update}/approve", body=json.dumps({"group": 7}),
                     headers={"Authorization": "Bearer " + open(self.token_file).read().strip()})
        r = conn.getresponse()
        self.assertEqual(r.status, 400)
        self.assertEqual(json.loads(r.read())["argument"], "group")

    # --- groups, approvals, declines, as clients see them ------------------------------------
    def test_approval_for_a_parent_group_reaches_computers_of_its_child(self):
        self.ctl("group", "create", "Ring A")
        self.ctl("group", "create", "Ring A.1", "--parent", "Ring A")
        groups = {g["name"]: g for g in self.ctl_json("group", "list")["groups"]}
        self.assertEqual(groups["Ring A.1"]["parent"], "Ring A")
        inside, outside = str(uuid.uuid4()), str(uuid.uuid4())
        register(self.server.http(), inside, "inside.example.test")
        register(self.server.http(), outside, "outside.example.test")
        self.ctl("computer", "move", inside, "--group", "Ring A.1")
        shown = self.ctl_json("computer", "show", "inside.example.test")
        self.assertEqual(shown["groups"], ["Ring A.1"])

        update, uninstall = self.software_updates(2)
        self.assertNotIn(update, self.scan(inside))
        self.ctl("update", "approve", update, "--group", "Ring A", "--deadline", "2030-01-01T00:00:00Z",
                 "--accept-eula")
        self.ctl("update", "approve", uninstall, "--group", "Ring A.1", "--action", "uninstall")
        offered = self.scan(inside)
        self.assertEqual(offered.get(update), "Install")
        self.assertEqual(offered.get(uninstall), "Uninstall")
        self.assertNotIn(update, self.scan(outside), "the approval is for Ring A only")
        approvals = self.ctl_json("update", "show", update)["approved_for"]
        self.assertEqual([(a["group"], a["action"], a["by"]) for a in approvals], [("Ring A", "install", "alice")])

        self.ctl("update", "decline", update)
        self.assertNotIn(update, self.scan(inside), "a declined update is withdrawn")
        self.assertIn(update, [u["id"] for u in self.ctl_json("update", "list", "--approval", "declined")["updates"]])
        self.assertEqual(self.ctl_json("update", "show", update)["approved_for"], [],
                         "declining withdraws every approval (WSUS)")
        self.ctl("update", "undecline", update)
        self.assertNotIn(update, self.scan(inside), "undeclining does not bring the approval back")
        self.ctl("update", "approve", update, "--group", "Ring A", "--accept-eula")
        self.assertIn(update, self.scan(inside))
        self.ctl("update", "approve", update, "--group", "Ring A", "--action", "not-approved")
        self.assertNotIn(update, self.scan(inside), "removing the approval withdraws it")

        audit = self.ctl_json("audit", "--limit", "100")["entries"]
        actions = [(e["actor"], e["action"], e["target"]) for e in audit]
        for expected in [("alice", "approve", update), ("alice", "decline", update), ("alice", "computer.move", inside),
                         ("alice", "group.create", "Ring A.1")]:
            self.assertIn(expected, actions)

    def test_group_rules(self):
        self.ctl("group", "create", "Servers")
        _, err = self.ctl("group", "create", "servers", expect=1)
        self.assertIn("already exists", err)
        self.ctl("group", "rename", "Servers", "Web Servers")
        self.ctl("group", "create", "Tier 2", "--parent", "Web Servers")
        _, err = self.ctl("group", "move", "Web Servers", "--parent", "Tier 2", expect=1)
        self.assertIn("cycle", err)
        _, err = self.ctl("group", "delete", "All Computers", expect=1)
        self.assertIn("built-in", err)
        self.ctl("group", "delete", "Tier 2")
        names = [g["name"] for g in self.ctl_json("group", "list")["groups"]]
        self.assertIn("Web Servers", names)
        self.assertNotIn("Tier 2", names)

    def test_output_formats(self):
        out, _ = self.ctl("group", "list", "--csv")
        self.assertEqual(out.splitlines()[0], "NAME,PARENT,ID")
        self.assertIn("All Computers,-,", out)
        out, _ = self.ctl("update", "list", "--limit", "3")
        self.assertEqual(out.splitlines()[0].split()[:2], ["ID", "KB"])
        self.assertEqual(len(out.splitlines()), 4)
        info = self.ctl_json("server", "info")
        self.assertEqual(info["schema"], 10)
        self.assertGreater(info["updates"], 100)


    # --- status reports ------------------------------------------------------------------------
    def report_event(self, client, update, real):
        """Posts one real decoded client event (captures/wsus-m0-reports) re-targeted at a catalog update."""
        e = dict(real, update=f"{update}@{real['update'].split('@')[1]}")
        status, _, data = soap_post(self.server.http(), REPORTING_PATH,
                                    batch_request(client, event_xml(e, uuid.uuid4())).encode(), SD + "/ReportEventBatch")
        self.assertEqual(status, 200)
        self.assertEqual(soapcheck.validate(data, reporting=True).findtext(f"{{{SD}}}ReportEventBatchResult"), "true")

    def test_update_status_and_failure_reports(self):
        with open(EVENTS) as f:
            events = [e for b in json.load(f)["batches"] for e in b["events"]]
        # 182: installation failed (0x80246007); 201: installed, reboot required.
        failed = next(e for e in events if e["update"].startswith("b3201129") and e["event_id"] == 182)
        pending = next(e for e in events if e["update"].startswith("88661612") and e["event_id"] == 201)
        (update,) = self.software_updates(1)
        self.ctl("update", "approve", update, "--group", "All Computers")
        self.ctl("group", "create", "Reports Ring")
        ring, other = str(uuid.uuid4()), str(uuid.uuid4())
        in_ring = register(self.server.http(), ring, "ring.example.test")
        outside = register(self.server.http(), other, "other.example.test")
        self.ctl("computer", "move", ring, "--group", "Reports Ring")
        self.report_event(in_ring, update, failed)
        self.report_event(outside, update, pending)

        # Failed installations, with the error code as WSUS shows it, paged without gaps or repeats.
        seen, after = [], None
        while True:
            args = ["report", "failures", "--limit", "1"] + (["--after", after] if after else [])
            page = self.ctl_json(*args)
            seen += [f for f in page["failures"] if f["update"] == update]
            after = page["next"]
            if not after:
                break
        self.assertEqual([(f["computer"], f["error_code"]) for f in seen],
                         [(ring, "0x%08X" % (failed["win32_hresult"] & 0xFFFFFFFF))])
        self.assertEqual(seen[0]["name"], "ring.example.test")
        self.assertTrue(seen[0]["title"])

        # Update status summary: every computer, then one group's computers; no state = unknown.
        everyone = self.ctl_json("report", "updates", "--limit", "1000")
        row = next(u for u in everyone["updates"] if u["id"] == update)
        self.assertEqual(row["states"]["failed"], 1, row)
        self.assertEqual(row["states"]["installed_pending_reboot"], 1, row)
        self.assertEqual(sum(row["states"].values()), everyone["computers"], row)
        ring_only = self.ctl_json("report", "updates", "--group", "Reports Ring", "--limit", "1000")
        row = next(u for u in ring_only["updates"] if u["id"] == update)
        self.assertEqual((ring_only["group"], ring_only["computers"], row["states"]),
                         ("Reports Ring", 1, {"failed": 1}))
        # CSV for spreadsheets and CMDB imports.
        out, _ = self.ctl("--csv", "report", "failures")
        self.assertEqual(out.splitlines()[0], "COMPUTER,UPDATE,KB,ERROR,AT")
        self.assertIn("0x%08X" % (failed["win32_hresult"] & 0xFFFFFFFF), out)
        self.ctl("report", "updates", "--group", "No Such Group", expect=1)


class ReplicaAdminTest(unittest.TestCase):
    def test_replica_refuses_local_approvals(self):
        with tempfile.TemporaryDirectory(prefix="wsusd-replica-") as tmp:
            server = Wsusd(data_dir=os.path.join(tmp, "data"), config_text="[sync]\nreplica = true\n")
            token = os.path.join(tmp, "t")
            rc, out, err = run([WSUSD_BIN, "token", "create", "ops", "--data-dir", server.data_dir, "--write", token])
            self.assertEqual(rc, 0, out + err)
            with server:
                rc, out, err = run([WSUSCTL_BIN, "--data-dir", server.data_dir, "--token-file", token, "update",
                                    "approve", str(uuid.uuid4()), "--group", "All Computers"])
                self.assertEqual(rc, 1)
                self.assertIn("replica", err)
                rc, out, err = run([WSUSCTL_BIN, "--data-dir", server.data_dir, "--token-file", token, "group",
                                    "create", "Local"])
                self.assertEqual(rc, 1)
                self.assertIn("replica", err)


if __name__ == "__main__":
    unittest.main()
