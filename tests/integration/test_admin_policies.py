"""End-to-end administration policies: WSUS approval semantics (EULA, prerequisites approved along, inheritance,
decline withdrawing approvals), automatic approval rules run by the maintenance timer on newly imported updates,
server settings layered over wsusd.toml (replica mode after a restart), cleanup with dry run, health, Prometheus
metrics, online backup and content status -- each driven with wsusctl against a running wsusd and checked where it
matters: in what a scanning client is offered (every SOAP response validated by soapcheck via wusp_client)."""
import json
import os
import re
import sqlite3
import subprocess
import tempfile
import time
import unittest
import uuid

from wsusd_harness import CLIENT_NS, CLIENT_PATH, SHARED_DIR, WSUSD_BIN, Wsusd
from wusp_client import ACTION, WuaClient, register, template

WSUSCTL_BIN = os.environ.get("WSUSCTL_BIN", "build/src/ctl/wsusctl")
TEMPLATES = os.path.join(SHARED_DIR, "captures", "wsus-m0-wsusss", "docs")


def run(args, timeout=120):
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def generate(tmp, name, revisions, seed):
    out = os.path.join(tmp, name)
    rc, so, se = run([WSUSD_BIN, "catalog", "generate", "--revisions", str(revisions), "--seed", str(seed),
                      "--templates", TEMPLATES, out])
    assert rc == 0, so + se
    return out


def scan_all(conn, client_id, max_pages=30):
    """A full scan (as wusp_client.full_scan) that returns {update id: deployment action} of every update offered
    with an approval, leaf or not: prerequisites approved along are non-leaf updates."""
    c = WuaClient(conn, client_id=client_id).handshake()
    base = re.sub(r"<FilterCategoryIds>.*?</FilterCategoryIds>", "", template(7), flags=re.S)
    non_leaf, cached, offered = [], [], {}
    for _ in range(max_pages):
        body = re.sub(r"<InstalledNonLeafUpdateIDs>.*?</InstalledNonLeafUpdateIDs>",
                      "<InstalledNonLeafUpdateIDs>" + "".join(f"<int>{i}</int>" for i in non_leaf) +
                      "</InstalledNonLeafUpdateIDs>", base, flags=re.S)
        if cached:
            body = body.replace("<SkipSoftwareSync>", "<OtherCachedUpdateIDs>" +
                                "".join(f"<int>{i}</int>" for i in cached) + "</OtherCachedUpdateIDs><SkipSoftwareSync>")
        p = c.call(CLIENT_PATH, ACTION + "SyncUpdates", c.with_cookie(body))
        new_cookie = p.findtext(f".//{{{CLIENT_NS}}}NewCookie/{{{CLIENT_NS}}}EncryptedData")
        if new_cookie:
            c.cookie_data = new_cookie
        infos = p.findall(f".//{{{CLIENT_NS}}}NewUpdates/{{{CLIENT_NS}}}UpdateInfo")
        for info in infos:
            rid = int(info.findtext(f"{{{CLIENT_NS}}}ID"))
            (cached if info.findtext(f"{{{CLIENT_NS}}}IsLeaf") == "true" else non_leaf).append(rid)
            uid = re.search(r'UpdateID="([0-9a-fA-F-]{36})"', info.findtext(f"{{{CLIENT_NS}}}Xml")).group(1).lower()
            action = info.findtext(f"{{{CLIENT_NS}}}Deployment/{{{CLIENT_NS}}}Action")
            if action in ("Install", "Uninstall"):
                offered[uid] = action
        if not infos and p.findtext(f".//{{{CLIENT_NS}}}Truncated") != "true":
            return offered
    raise AssertionError(f"scan did not settle within {max_pages} pages")


class CtlMixin:
    def ctl(self, *args, expect=0, server=None, token_file=None):
        server = server or self.server
        rc, out, err = run([WSUSCTL_BIN, "--data-dir", server.data_dir, "--token-file", token_file or self.token_file,
                            *args])
        self.assertEqual(rc, expect, f"wsusctl {' '.join(args)}: {out}{err}")
        return out, err

    def ctl_json(self, *args, expect=0, server=None):
        out, _ = self.ctl(*args, "--json", expect=expect, server=server)
        return json.loads(out)


class PoliciesTest(CtlMixin, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="wsusd-policies-")
        catalog = generate(cls.tmp.name, "catalog", 300, 5)
        cls.server = Wsusd(data_dir=os.path.join(cls.tmp.name, "data"),
                           config_text="[admin]\nmaintenance_interval_seconds = 2\n")
        rc, out, err = run([WSUSD_BIN, "catalog", "import", catalog, "--data-dir", cls.server.data_dir, "--quiet"])
        assert rc == 0, out + err
        cls.token_file = os.path.join(cls.tmp.name, "admin.token")
        rc, out, err = run([WSUSD_BIN, "token", "create", "alice", "--data-dir", cls.server.data_dir, "--write",
                            cls.token_file])
        assert rc == 0, out + err
        # The timer runs every 2 s here; its cleanup would race test_cleanup_dry_run_then_real (which runs the
        # cleanup on demand, as the console's wizard does), so the timer's cleanup starts disabled.
        db = sqlite3.connect(os.path.join(cls.server.data_dir, "wsusd.db"))
        db.execute("INSERT INTO setting (key, value, changed_at) VALUES ('server.cleanup.enabled', 'false', 0)")
        db.commit()
        db.close()
        cls.server.start()
        # The first maintenance run notes where the catalog stands (rules then act on what arrives later).
        cls.server.wait_for_log("maintenance run done", timeout=30)

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.tmp.cleanup()

    def candidates(self, limit=300):
        listed = self.ctl_json("update", "list", "--approval", "unapproved", "--limit", str(limit))["updates"]
        return [u for u in listed if u["type"] == "software" and not u["declined"] and not u["expired"]]

    def computer_in(self, group):
        client = str(uuid.uuid4())
        register(self.server.http(), client, f"{client[:8]}.example.test")
        self.ctl("computer", "move", client, "--group", group)
        return client

    def find(self, group, want):
        """Approves candidates for `group` until one shows `want` ('eula' or 'prerequisites')."""
        for u in self.candidates():
            rc, out, err = run([WSUSCTL_BIN, "--data-dir", self.server.data_dir, "--token-file", self.token_file,
                                "update", "approve", u["id"], "--group", group, "--json"])
            if want == "eula" and rc == 1 and "accept_eula" in err:
                return u["id"], err
            if want == "prerequisites" and rc == 0 and json.loads(out)["prerequisites_approved"]:
                return u["id"], json.loads(out)
        self.fail(f"no update with {want} in the generated catalog")

    def test_eula_must_be_accepted_once(self):
        self.ctl("group", "create", "Eula Ring")
        self.ctl("group", "create", "Eula Ring 2")
        update, err = self.find("Eula Ring", "eula")
        self.assertIn("license agreement", err)
        self.assertNotIn(update, scan_all(self.server.http(), self.computer_in("Eula Ring")))
        done = self.ctl_json("update", "approve", update, "--group", "Eula Ring", "--accept-eula")
        self.assertTrue(done["eula_accepted"])
        # Accepted once for this revision: another group needs no second acceptance.
        again = self.ctl_json("update", "approve", update, "--group", "Eula Ring 2")
        self.assertFalse(again["eula_accepted"])
        self.assertEqual(scan_all(self.server.http(), self.computer_in("Eula Ring 2")).get(update), "Install")
        audit = self.ctl_json("audit", "--limit", "20")["entries"]
        self.assertTrue(any(e["action"] == "approve" and e["target"] == update and "eula_accepted" in e["detail"]
                            for e in audit), audit)

    def test_prerequisites_are_approved_along(self):
        self.ctl("group", "create", "Prereq Ring")
        update, done = self.find("Prereq Ring", "prerequisites")
        prereq = done["prerequisites_approved"][0]
        shown = self.ctl_json("update", "show", prereq)
        self.assertIn("Prereq Ring", [a["group"] for a in shown["approved_for"]])
        offered = scan_all(self.server.http(), self.computer_in("Prereq Ring"))
        self.assertEqual(offered.get(update), "Install")
        self.assertEqual(offered.get(prereq), "Install", "the prerequisite is offered with its own approval")

    def test_child_inherits_and_decline_withdraws_every_approval(self):
        self.ctl("group", "create", "Parent Ring")
        self.ctl("group", "create", "Child Ring", "--parent", "Parent Ring")
        self.ctl("group", "create", "Other Ring")
        pick = [u["id"] for u in self.candidates()]
        for update in pick:  # one without a license agreement
            rc, _, _ = run([WSUSCTL_BIN, "--data-dir", self.server.data_dir, "--token-file", self.token_file,
                            "update", "approve", update, "--group", "Parent Ring"])
            if rc == 0:
                break
        child = self.computer_in("Child Ring")
        self.assertEqual(scan_all(self.server.http(), child).get(update), "Install")
        eff = {e["group"]: e for e in self.ctl_json("update", "show", update)["effective"]}
        self.assertEqual(eff["Child Ring"]["action"], "install")
        self.assertEqual(eff["Child Ring"]["inherited_from"], "Parent Ring")
        self.assertIsNone(eff["Parent Ring"]["inherited_from"])
        self.assertNotIn("Other Ring", eff)
        # WSUS conflict rule: a computer in two groups, install in one and uninstall in the other, installs.
        self.ctl("update", "approve", update, "--group", "Other Ring", "--action", "uninstall")
        both = str(uuid.uuid4())
        register(self.server.http(), both, "both.example.test")
        self.ctl("computer", "move", both, "--group", "Child Ring", "--group", "Other Ring")
        self.assertEqual(scan_all(self.server.http(), both).get(update), "Install")

        declined = self.ctl_json("update", "decline", update)
        self.assertEqual(declined["approvals_withdrawn"], 2)
        self.assertEqual(self.ctl_json("update", "show", update)["approved_for"], [])
        self.assertNotIn(update, scan_all(self.server.http(), child))
        self.ctl("update", "undecline", update)
        self.assertNotIn(update, scan_all(self.server.http(), child), "undeclining does not bring approvals back")
        _, err = self.ctl("update", "approve", update, "--group", "Nope Ring", expect=1)
        self.assertIn("Nope Ring", err)

    def test_rule_approves_a_newly_imported_update(self):
        self.ctl("group", "create", "Auto Ring")
        client = self.computer_in("Auto Ring")
        before = {u["id"] for u in self.ctl_json("update", "list", "--limit", "1000")["updates"]}
        _, err = self.ctl("rule", "create", "bad", "--group", "Auto Ring", "--classification", "No Such Class",
                          expect=1)
        self.assertIn("classifications", err)
        _, err = self.ctl("rule", "create", "bad", "--group", "No Such Group", expect=1)
        self.assertIn("No Such Group", err)
        rule = self.ctl_json("rule", "create", "Everything to Auto", "--group", "Auto Ring", "--deadline-days", "3")
        self.assertEqual(rule["groups"], ["Auto Ring"])
        self.assertIn("Everything to Auto", [r["name"] for r in self.ctl_json("rule", "list")["rules"]])
        # New updates arrive (an import while the daemon runs); the maintenance timer approves them.
        extra = generate(self.tmp.name, "extra", 100, 99)
        rc, out, err = run([WSUSD_BIN, "catalog", "import", extra, "--data-dir", self.server.data_dir, "--quiet"])
        self.assertEqual(rc, 0, out + err)
        new = [u for u in self.ctl_json("update", "list", "--limit", "1000")["updates"]
               if u["id"] not in before and u["type"] == "software" and not u["declined"] and not u["expired"]]
        self.assertTrue(new, "the second catalog brings new software updates")
        deadline = time.time() + 30
        approved = []
        while time.time() < deadline and not approved:
            time.sleep(1)
            approved = [u["id"] for u in new if "Auto Ring" in
                        [a["group"] for a in self.ctl_json("update", "show", u["id"])["approved_for"]]]
        self.assertTrue(approved, "the rule approved none of the new updates: " + self.server.log()[-3000:])
        shown = self.ctl_json("update", "show", approved[0])
        self.assertEqual([a["by"] for a in shown["approved_for"] if a["group"] == "Auto Ring"], ["system"])
        self.assertIsNotNone([a for a in shown["approved_for"] if a["group"] == "Auto Ring"][0]["deadline"])
        self.assertEqual(scan_all(self.server.http(), client).get(approved[0]), "Install")
        self.ctl("rule", "delete", "Everything to Auto")
        _, err = self.ctl("rule", "delete", "Everything to Auto", expect=1)
        self.assertIn("no approval rule", err)

    def test_rule_run_applies_to_existing_updates(self):
        self.ctl("group", "create", "Run Ring")
        listed = self.candidates()
        cls = next(u["classification"] for u in listed if u["classification"])
        self.ctl("rule", "create", "Run Rule", "--group", "Run Ring", "--classification", cls, "--disabled")
        made = self.ctl_json("rule", "run", "Run Rule")["approved"]
        self.assertTrue(made)
        some = made[0]["update"]
        self.assertIn("Run Ring", [a["group"] for a in self.ctl_json("update", "show", some)["approved_for"]])
        self.ctl("rule", "delete", "Run Rule")

    def test_settings_validation(self):
        rows = {r["key"]: r for r in self.ctl_json("server", "config", "get")["settings"]}
        self.assertEqual(rows["sync.mode"]["value"], "autonomous")
        self.assertEqual(rows["sync.mode"]["source"], "file")
        self.assertTrue(rows["sync.mode"]["restart"])
        self.assertEqual(rows["approvals.decline_expired"]["source"], "default")
        _, err = self.ctl("server", "config", "set", "sync.mode", "sometimes", expect=1)
        self.assertIn("sync.mode", err)
        self.assertIn("replica", err)
        _, err = self.ctl("server", "config", "set", "no.such.key", "1", expect=1)
        self.assertIn("no.such.key", err)
        _, err = self.ctl("server", "config", "set", "cleanup.obsolete_computer_days", "-4", expect=1)
        self.assertIn("cleanup.obsolete_computer_days", err)
        _, err = self.ctl("server", "config", "set", "notify.webhook_url", "http://127.0.0.1:9/x", expect=1)
        self.assertIn("webhook_secret", err)
        self.ctl("server", "config", "set", "notify.webhook_secret", "s3cret")
        rows = {r["key"]: r for r in self.ctl_json("server", "config", "get")["settings"]}
        self.assertEqual(rows["notify.webhook_secret"]["value"], "********", "secrets are never shown")
        self.ctl("server", "config", "unset", "notify.webhook_secret")

    def test_cleanup_dry_run_then_real(self):
        dry = self.ctl_json("cleanup", "--dry-run")
        self.assertTrue(dry["dry_run"])
        old = dry["cleanup"]["old_revisions"]
        self.assertTrue(old, "the generated catalog has replaced revisions")
        self.assertEqual(self.ctl_json("cleanup", "--dry-run")["cleanup"]["old_revisions"], old, "a dry run changes nothing")
        real = self.ctl_json("cleanup")
        self.assertEqual(real["cleanup"]["old_revisions"], old)
        self.assertEqual(self.ctl_json("cleanup", "--dry-run")["cleanup"]["old_revisions"], [])
        out, _ = self.ctl("cleanup", "--dry-run")
        self.assertIn("would delete old revisions: 0", out)

    def test_health_metrics_backup_content(self):
        client = str(uuid.uuid4())
        register(self.server.http(), client, "metrics.example.test")
        scan_all(self.server.http(), client)
        health = self.ctl_json("health")
        self.assertTrue(health["store"]["ok"])
        self.assertGreater(health["disk"]["free_bytes"], 0)
        self.assertGreaterEqual(health["computers"]["total"], 1)
        self.assertIn("silent", health["computers"])
        self.assertIn("last_sync", health)
        self.assertIn("missing", health["content"])
        out, _ = self.ctl("metrics")
        scans = int(re.search(r"^wsusd_scans_total (\d+)$", out, re.M).group(1))
        self.assertGreaterEqual(scans, 1)
        self.assertRegex(out, r"(?m)^wsusd_store_bytes [1-9]")
        self.assertIn('wsusd_http_responses_total{listener="client",code="2xx"}', out)
        conn = self.server.admin()
        conn.request("GET", "/api/v1/metrics")
        self.assertEqual(conn.getresponse().status, 401, "metrics need the bearer token too")

        self.ctl("group", "create", "Backup Ring")
        backup = self.ctl_json("backup")
        self.assertTrue(backup["path"].startswith(os.path.join(self.server.data_dir, "backups")))
        db = sqlite3.connect(backup["path"])
        groups = [r[0] for r in db.execute("SELECT name FROM target_group")]
        tokens = [r[0] for r in db.execute("SELECT name FROM admin_token")]
        db.close()
        self.assertIn("Backup Ring", groups)
        self.assertIn("alice", tokens)
        _, err = self.ctl("backup", "--path", "relative.db", expect=1)
        self.assertIn("path", err)
        _, err = self.ctl("backup", "--path", backup["path"], expect=1)
        self.assertIn("exists", err)

        content = self.ctl_json("content", "status")
        self.assertGreater(content["files"], 0)
        self.assertEqual(content["files"], content["present"] + content["missing"] + content["partial"] +
                         content["corrupt"])


class ModeSettingTest(CtlMixin, unittest.TestCase):
    def test_replica_mode_set_in_the_store_wins_after_a_restart(self):
        with tempfile.TemporaryDirectory(prefix="wsusd-mode-") as tmp:
            self.server = Wsusd(data_dir=os.path.join(tmp, "data"))
            self.token_file = os.path.join(tmp, "t")
            rc, out, err = run([WSUSD_BIN, "token", "create", "ops", "--data-dir", self.server.data_dir, "--write",
                                self.token_file])
            self.assertEqual(rc, 0, out + err)
            with self.server:
                self.ctl("group", "create", "Before")
                set_ = self.ctl_json("server", "config", "set", "sync.mode", "replica")
                self.assertTrue(set_["restart_required"])
                self.ctl("group", "create", "Still Autonomous")  # takes effect at the next start only
            self.server.start()
            try:
                rows = {r["key"]: r for r in self.ctl_json("server", "config", "get")["settings"]}
                self.assertEqual((rows["sync.mode"]["value"], rows["sync.mode"]["source"]), ("replica", "store"))
                _, err = self.ctl("update", "approve", str(uuid.uuid4()), "--group", "Before", expect=1)
                self.assertIn("replica", err)
                _, err = self.ctl("rule", "create", "r", "--group", "Before", expect=1)
                self.assertIn("replica", err)
                self.ctl("server", "config", "unset", "sync.mode")
            finally:
                self.server.stop()
            self.server.start()
            try:
                self.ctl("group", "create", "Autonomous Again")
            finally:
                self.server.close()


if __name__ == "__main__":
    unittest.main()
