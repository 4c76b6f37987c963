"""End-to-end: air-gapped networks (issue #14). A connected wsusd (catalog and files imported, a group and approvals
made) exports signed bundles; a second wsusd with no network path to it (no [sync] upstream) imports them as a
replica. Clients of both are offered the same updates and download the same bytes; an incremental bundle carries
only the change. Tampered, truncated, unsigned, wrongly signed and replayed bundles are refused naming the part and
the reason, and leave the catalog as it was; an interrupted import resumes with the next part."""
import base64
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import unittest
import uuid

from fake_upstream import DOCS_DIR, doc_files, doc_identity
from test_dss_sync import exported, wsusd
from test_uss import seed
from wsusd_harness import CLIENT_PATH, Wsusd
from wusp_client import ACTION, WuaClient, full_scan, register

WSUSCTL_BIN = os.environ.get("WSUSCTL_BIN", "build/src/ctl/wsusctl")


def read_manifest(bundle):
    with open(os.path.join(bundle, "manifest.json"), encoding="utf-8") as f:
        return json.load(f)


def part_records(path):
    """(header, data) of every record of a part file, read by the documented format (docs/airgap.md)."""
    out = []
    with open(path, "rb") as f:
        assert f.readline().startswith(b"wsusd-airgap-part/1 ")
        while True:
            line = f.readline()
            if not line:
                return out
            h = json.loads(line)
            out.append((h, f.read(h["size"])))


class Sneakernet(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="wsusd-airgap-")
        catalog, files = cls.path("catalog"), cls.path("files")
        wsusd("catalog", "generate", catalog, "--revisions", "60", "--seed", "11", "--templates", DOCS_DIR,
              "--write-content", files)
        cls.docs = {}
        for n in sorted(os.listdir(catalog)):
            if n.endswith(".xml"):
                with open(os.path.join(catalog, n), encoding="utf-8") as f:
                    xml = f.read()
                cls.docs[doc_identity(xml)[0]] = xml
        # Leaf software updates with files that nothing else names: approving one offers exactly it.
        cls.leaves = [u for u, x in cls.docs.items() if doc_identity(x)[2] == "Software" and doc_files(x)
                      and "BundledUpdates" not in x and not any(u in o for v, o in cls.docs.items() if v != u)]
        assert len(cls.leaves) >= 4, cls.leaves
        cls.key = cls.path("keys", "exporter.pem")
        cls.root = Wsusd(data_dir=cls.path("root", "data"), config_text=f'[airgap]\nsigning_key = "{cls.key}"\n')
        os.makedirs(cls.root.data_dir)
        out = wsusd("airgap", "keygen", "--out", cls.key).stdout
        cls.key_id = re.search(r"key id\s+([0-9a-f]{32})", out).group(1)
        wsusd("catalog", "import", catalog, "--data-dir", cls.root.data_dir, "--quiet")
        wsusd("content", "import", files, "--data-dir", cls.root.data_dir, "--quiet")
        seed(cls.root, "group", "Ring A")
        seed(cls.root, "approve", cls.leaves[0], "Ring A", "install")
        seed(cls.root, "approve", cls.leaves[1], "Ring A", "install", "2031-01-01T00:00:00Z")
        cls.root.start()
        cls.root_token = cls.path("root.token")
        wsusd("token", "create", "ops", "--data-dir", cls.root.data_dir, "--write", cls.root_token)

    @classmethod
    def tearDownClass(cls):
        cls.root.close()
        cls.tmp.cleanup()

    @classmethod
    def path(cls, *p):
        return os.path.join(cls.tmp.name, *p)

    def inside_config(self, replica=True):
        return f'[sync]\nreplica = {str(replica).lower()}\n[airgap]\ntrusted_keys = ["{self.key}.pub"]\n'

    def inside(self, name, replica=True, start=True):
        s = Wsusd(data_dir=self.path(name, "data"), config_text=self.inside_config(replica))
        os.makedirs(s.data_dir, exist_ok=True)
        if start:
            s.start()
        else:  # the offline commands need the configuration file the harness writes at start
            with open(os.path.join(os.path.dirname(s.data_dir), "wsusd-test.toml"), "w") as f:
                f.write(self.inside_config(replica))
        self.addCleanup(s.close)
        return s

    def ctl(self, server, token, *args, check=True):
        r = subprocess.run([WSUSCTL_BIN, "--data-dir", server.data_dir, "--token-file", token, "--json", *args],
                           capture_output=True, text=True, timeout=300)
        if check:
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r

    def offline_import(self, server, bundle, *extra, check=True):
        cfg = os.path.join(os.path.dirname(server.data_dir), "wsusd-test.toml")
        r = subprocess.run([os.environ.get("WSUSD_BIN", "build/src/app/wsusd"), "airgap", "import", bundle,
                            "--config", cfg, "--data-dir", server.data_dir, *extra],
                           capture_output=True, text=True, timeout=300)
        if check:
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r

    def client_view(self, server, client_id):
        """What a computer in Ring A is offered: {update id: action}."""
        return full_scan(server.http(), client_id)

    def member(self, server, client_id):
        register(server.http(), client_id, f"pc-{client_id[:8]}.example.test")
        seed(server, "member", client_id, "Ring A")

    def file_via_protocol(self, server, client_id, sha1_hex):
        """GetFileLocations for one digest, then the bytes from the URL it names."""
        c = WuaClient(server.http(), client_id=client_id).handshake()
        digest = base64.b64encode(bytes.fromhex(sha1_hex)).decode()
        body = ('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
                '<GetFileLocations xmlns="http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService">'
                f'<cookie></cookie><fileDigests><base64Binary>{digest}</base64Binary></fileDigests>'
                '</GetFileLocations></soap:Body></soap:Envelope>')
        p = c.call(CLIENT_PATH, ACTION + "GetFileLocations", c.with_cookie(body))
        ns = "{http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService}"
        urls = [u.text for u in p.iter(ns + "Url")]
        self.assertEqual(len(urls), 1, urls)
        path = re.sub(r"^https?://[^/]+", "", urls[0])
        conn = server.http()
        conn.request("GET", path)
        resp = conn.getresponse()
        data = resp.read()
        self.assertEqual(resp.status, 200, path)
        return data

    def history(self, server, token):
        return json.loads(self.ctl(server, token, "sync", "history").stdout)["runs"]

    def test_sneakernet_full_then_incremental_and_refusals(self):
        # 1. Full export through wsusctl and the admin API.
        b1 = self.path("media", "bundle1")
        r = self.ctl(self.root, self.root_token, "export", b1)
        m1 = read_manifest(b1)
        self.assertIsNone(m1["since"])
        self.assertEqual(m1["key_id"], self.key_id)
        self.assertEqual(m1["counts"]["revisions"], len(self.docs))
        self.assertEqual(m1["counts"]["approvals"], 2)
        self.assertEqual(m1["counts"]["missing_files"], 0)
        want_files = {base64.b64decode(d).hex() for u in self.leaves[:2] for d, _ in doc_files(self.docs[u])}
        carried = {h["sha1"] for p in m1["parts"] for h, _ in part_records(os.path.join(b1, p["name"]))
                   if h["type"] == "file"}
        self.assertEqual(carried, want_files)  # approved content only

        # 2. The disconnected server imports it (through its own admin API).
        inside = self.inside("inside")
        token = self.path("inside.token")
        wsusd("token", "create", "ops", "--data-dir", inside.data_dir, "--write", token)
        rep = json.loads(self.ctl(inside, token, "import", b1).stdout)
        self.assertTrue(rep["complete"], rep)
        self.assertEqual(rep["new"], len(self.docs))
        self.assertEqual(rep["deployments"]["approvals"], 2, rep)
        self.assertEqual(exported(inside.data_dir, self.path("x")), exported(self.root.data_dir, self.path("x")))

        # 3. Clients of both servers are offered the same and download the same bytes.
        pc = str(uuid.uuid4())
        for s in (self.root, inside):
            self.member(s, pc)
        offered = self.client_view(self.root, pc)
        self.assertIn(self.leaves[0], offered)
        self.assertIn(self.leaves[1], offered)
        self.assertEqual(self.client_view(inside, pc), offered)
        sha1 = sorted(want_files)[0]
        self.assertEqual(self.file_via_protocol(inside, pc, sha1), self.file_via_protocol(self.root, pc, sha1))

        # 4. A change at the root: one approval added, one removed, one update declined; an incremental bundle
        # carries only that.
        seed(self.root, "approve", self.leaves[2], "Ring A", "install")
        seed(self.root, "approve", self.leaves[0], "Ring A", "remove")
        seed(self.root, "decline", self.leaves[3])
        b2 = self.path("media", "bundle2")
        self.ctl(self.root, self.root_token, "export", b2, "--since", "last", "--part-size", "64K")
        m2 = read_manifest(b2)
        self.assertEqual(m2["since"], m1["upto"])
        self.assertEqual(m2["sequence"], m1["sequence"] + 1)
        c = m2["counts"]
        self.assertEqual((c["revisions"], c["approvals"], c["withdrawn"], c["declined"]), (1, 1, 1, 1), c)
        self.assertEqual(c["files"], len(doc_files(self.docs[self.leaves[2]])), c)
        rep = json.loads(self.ctl(inside, token, "import", b2).stdout)
        self.assertTrue(rep["complete"], rep)
        self.assertEqual((rep["new"], rep["unchanged"], rep["declined"]), (0, 1, 1), rep)
        self.assertEqual((rep["deployments"]["approvals"], rep["deployments"]["withdrawn"]), (1, 1), rep)
        offered = self.client_view(self.root, pc)
        self.assertNotIn(self.leaves[0], offered)
        self.assertIn(self.leaves[2], offered)
        self.assertEqual(self.client_view(inside, pc), offered)
        # The sync history lists the imports beside syncs.
        runs = self.history(inside, token)
        self.assertEqual([(r["started_by"], r["result"]) for r in runs[:2]], [("import", "succeeded")] * 2)
        self.assertIn(m2["bundle_id"], runs[0]["upstream"])

        # 5. Replays through the admin API are refused; nothing changes.
        before = exported(inside.data_dir, self.path("x"))
        for bundle in (b1, b2):
            r = self.ctl(inside, token, "import", bundle, check=False)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn("already imported", r.stderr)
            self.assertIn("replay", r.stderr)
        self.assertEqual(exported(inside.data_dir, self.path("x")), before)
        self.assertEqual(self.client_view(inside, pc), offered)

        # 6. A fresh disconnected server (offline commands): an incremental bundle alone is refused; after the full
        # one, damaged or forged copies of the incremental bundle are refused naming the part and the reason, and
        # leave the store and the content exactly as they were.
        fresh = self.inside("fresh", start=False)
        r = self.offline_import(fresh, b2, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("import a full export first", r.stderr)
        self.offline_import(fresh, b1)
        state = self.snapshot(fresh)
        self.assertGreater(len(m2["parts"]), 2, m2["parts"])

        def refused(bundle, *expect):
            r = self.offline_import(fresh, bundle, check=False)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            for e in expect:
                self.assertIn(e, r.stderr)
            self.assertEqual(self.snapshot(fresh), state)

        def copy(name):
            dst = self.path("media", name)
            shutil.copytree(b2, dst)
            return dst
        last = m2["parts"][-1]["name"]  # the groups/approvals part: verified before part 1 is touched
        t = copy("tampered")
        with open(os.path.join(t, last), "r+b") as f:
            f.seek(os.path.getsize(os.path.join(t, last)) // 2)
            byte = f.read(1)
            f.seek(-1, 1)
            f.write(bytes([byte[0] ^ 0x01]))
        refused(t, last, "SHA-256", "altered")
        t = copy("truncated")
        os.truncate(os.path.join(t, last), 100)
        refused(t, last, "truncated")
        t = copy("incomplete")
        os.remove(os.path.join(t, m2["parts"][1]["name"]))
        refused(t, m2["parts"][1]["name"], "missing", "incomplete")
        t = copy("unsigned")
        os.remove(os.path.join(t, "manifest.sig"))
        refused(t, "manifest.sig", "unsigned")
        t = copy("altered-manifest")
        with open(os.path.join(t, "manifest.json"), "r+") as f:
            text = f.read().replace('"approvals": 1', '"approvals": 2')
            f.seek(0)
            f.write(text)
        refused(t, "manifest.sig", "does not match")
        other = self.path("keys", "other.pem")
        wsusd("airgap", "keygen", "--out", other)
        t = self.path("media", "wrong-key")
        wsusd("airgap", "export", t, "--data-dir", self.root.data_dir, "--config",
              self.write_config("other.toml", f'[airgap]\nsigning_key = "{other}"\n'))
        refused(t, "manifest.sig", "not in airgap.trusted_keys")

        # The intact bundle is accepted; afterwards the older ones are replays, a newer full one is accepted.
        self.offline_import(fresh, b2)
        self.assertEqual(exported(fresh.data_dir, self.path("x")), exported(inside.data_dir, self.path("x")))
        b3 = self.path("media", "bundle3")
        self.ctl(self.root, self.root_token, "export", b3)
        self.offline_import(fresh, b3)
        for bundle in (b1, b2):
            r = self.offline_import(fresh, bundle, check=False)
            self.assertEqual(r.returncode, 1)
            self.assertIn("already imported", r.stderr)

    def snapshot(self, server):
        """Everything an import may change: catalog rows, groups, approvals, stored files, import records."""
        db = sqlite3.connect(f"file:{server.data_dir}/wsusd.db?mode=ro", uri=True)
        try:
            q = lambda sql: sorted(db.execute(sql).fetchall())
            out = {t: q(sql) for t, sql in {
                "revision": "SELECT update_id, revision_number, is_latest, declined, expired FROM revision",
                "group": "SELECT id, name, parent_id FROM target_group",
                "deployment": "SELECT group_id, update_id, action, change_seq FROM deployment",
                "airgap": "SELECT bundle_id, parts_done, state FROM airgap_import"}.items()}
        finally:
            db.close()
        content = os.path.join(server.data_dir, "content")
        out["files"] = sorted(os.path.relpath(os.path.join(d, f), content)
                              for d, _, fs in os.walk(content) for f in fs)
        return out

    def write_config(self, name, text):
        p = self.path(name)
        with open(p, "w") as f:
            f.write(text)
        return p

    def test_interrupted_import_resumes_with_the_next_part(self):
        bundle = self.path("media", "small-parts")
        r = subprocess.run([os.environ.get("WSUSD_BIN", "build/src/app/wsusd"), "airgap", "export", bundle,
                            "--data-dir", self.root.data_dir, "--config",
                            os.path.join(os.path.dirname(self.root.data_dir), "wsusd-test.toml"),
                            "--part-size", "64K", "--content", "all"], capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        m = read_manifest(bundle)
        n = len(m["parts"])
        self.assertGreaterEqual(n, 4, m["parts"])
        inside = self.inside("resume", start=False)
        # Stopped after one part (the operator's --max-parts, or a crash): the rest is not there yet.
        r = self.offline_import(inside, bundle, "--max-parts", "1")
        self.assertIn(f"part 1/{n}: committed", r.stdout)
        self.assertFalse(json.loads(r.stdout[r.stdout.index("{"):])["complete"])
        partial = exported(inside.data_dir, self.path("x"))
        self.assertLess(len(partial), len(self.docs))
        # Killed during the next run, after at least one more part was committed.
        p = subprocess.Popen([os.environ.get("WSUSD_BIN", "build/src/app/wsusd"), "airgap", "import", bundle,
                              "--config", os.path.join(os.path.dirname(inside.data_dir), "wsusd-test.toml"),
                              "--data-dir", inside.data_dir], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             text=True)
        for line in p.stdout:
            if re.match(r"part [2-9]\d*/\d+: committed,", line):
                break
        p.send_signal(signal.SIGKILL)
        p.wait()
        p.stdout.close()
        r = self.offline_import(inside, bundle)
        self.assertIn(f"part 1/{n}: committed earlier, skipped", r.stdout)
        self.assertIn(f"part 2/{n}: committed earlier, skipped", r.stdout)
        rep = json.loads(r.stdout[r.stdout.index("{"):])
        self.assertTrue(rep["complete"], rep)
        self.assertEqual(exported(inside.data_dir, self.path("x")), exported(self.root.data_dir, self.path("x")))
        # The history tells the three runs apart: stopped on request, killed (closed by the next run), finished.
        runs = json.loads(wsusd("sync", "history", "--data-dir", inside.data_dir).stdout)
        self.assertEqual([(r["started_by"], r["result"]) for r in runs],
                         [("import", "succeeded"), ("import", "failed"), ("import", "cancelled")], runs)
        self.assertIn("interrupted", runs[1]["error"])
        self.assertIn("import the bundle again", runs[2]["error"])
        status = wsusd("content", "status", "--data-dir", inside.data_dir, "--verify").stdout
        self.assertRegex(status, r"corrupt[^0-9]*0\b", status)


if __name__ == "__main__":
    unittest.main()
