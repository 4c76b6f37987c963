"""End-to-end tests of the downstream role (wsusd sync) against a fake upstream that replays the REAL captured WSUS
upstream answers (fake_upstream.py; captures/PROVENANCE.md): handshake, CAB-compressed and plain documents, file
URLs, faults; delta sync by anchor; an update the upstream lost; retries; content downloads with hash verification
and Range fallback; replica groups and approvals; SIGKILL in the middle of a sync and resume."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from fake_upstream import DOCS_DIR, FakeUpstream, doc_identity
from wsusd_harness import WSUSD_BIN, Wsusd

WSUSCTL_BIN = os.environ.get("WSUSCTL_BIN", "build/src/ctl/wsusctl")

DEFENDER = "8c3fcc84-7410-4a95-8b89-a166a0190486"
DEFINITION_UPDATES = "e0789628-ce08-4437-be74-2495b842f43b"
TEMPLATES = DOCS_DIR


def config(upstream, extra=""):
    return f"""
[sync]
upstream_url = "{upstream}"
products = ["{DEFENDER}"]
classifications = ["{DEFINITION_UPDATES}"]
content = "none"
retries = 3
retry_base_seconds = 0
retry_max_seconds = 1
jitter_minutes = 0
{extra}
"""


def wsusd(*args, check=True, timeout=120):
    r = subprocess.run([WSUSD_BIN, *args], capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"wsusd {' '.join(args)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r


def exported(data_dir, tmp):
    """(update id, revision) → document text of every latest revision the store holds."""
    out = os.path.join(tmp, "export")
    shutil.rmtree(out, ignore_errors=True)
    wsusd("catalog", "export", out, "--data-dir", data_dir)
    docs = {}
    for name in os.listdir(out):
        with open(os.path.join(out, name), encoding="utf-8") as f:
            xml = f.read()
        uid, rev, _ = doc_identity(xml)
        docs[(uid, rev)] = xml
    return docs


def history(data_dir):
    return json.loads(wsusd("sync", "history", "--data-dir", data_dir).stdout)


class DssAgainstCapturedUpstream(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="wsusd-dss-")
        self.addCleanup(self.tmp.cleanup)

    def daemon(self, upstream, extra=""):
        d = Wsusd(data_dir=os.path.join(self.tmp.name, "data"), config_text=config(upstream.url, extra))
        d.start()
        self.addCleanup(d.close)
        return d

    def test_full_sync_then_exactly_the_change(self):
        held_back = "7366a74a-ef29-44e1-b738-570b516aca1f"
        with FakeUpstream() as up:
            up.add_captured(skip={held_back})
            dss = self.daemon(up)
            r = wsusd("sync", "now", "--data-dir", dss.data_dir)
            self.assertIn("succeeded", r.stdout)
            ops = up.operations()
            # MS-WSUSSS §3.2.4: authorization, configuration, then updates.
            self.assertEqual(ops[:6], ["GetAuthConfig", "GetAuthorizationCookie", "GetCookie", "GetConfigData",
                                       "GetRevisionIdList", "GetUpdateData"])
            docs = exported(dss.data_dir, self.tmp.name)
            self.assertEqual(set(docs), set(up.revisions))
            # The CAB-compressed UTF-16 blobs of the real upstream come out as the real documents.
            for name in os.listdir(DOCS_DIR):
                with open(os.path.join(DOCS_DIR, name), encoding="utf-8") as f:
                    xml = f.read()
                uid, rev, _ = doc_identity(xml)
                if uid != held_back:
                    self.assertEqual(docs[(uid, rev)], xml, name)
            runs = history(dss.data_dir)
            self.assertEqual(runs[0]["result"], "succeeded")
            self.assertEqual(runs[0]["started_by"], "manual")
            self.assertEqual(runs[0]["new"], len(up.revisions))

            # A change upstream: the next sync sends the stored anchor and fetches exactly the new revision.
            before = len(up.calls)
            with open(os.path.join(DOCS_DIR, f"{held_back}-r200.xml"), encoding="utf-8") as f:
                up.add_document(f.read())
            wsusd("sync", "now", "--data-dir", dss.data_dir)
            second = up.calls[before:]
            lists = [b for op, b in second if op == "GetRevisionIdList"]
            self.assertTrue(all("<Anchor>9438,2026-10-04 16:33:26." in b for b in lists), lists)
            fetched = [(u.lower(), int(r)) for op, b in second if op == "GetUpdateData"
                       for u, r in re.findall(r"<UpdateID>([^<]+)</UpdateID><RevisionNumber>(\d+)<", b)]
            self.assertEqual(fetched, [(held_back, 200)])
            self.assertIn((held_back, 200), exported(dss.data_dir, self.tmp.name))
            self.assertEqual(history(dss.data_dir)[0]["new"], 1)

    def test_update_the_upstream_lost_is_listed_and_the_rest_completes(self):
        with FakeUpstream(max_updates_per_request=3) as up:
            up.add_captured()
            lost = ("0d55df27-e2ff-4672-9a0d-4bc57299fd4c", 200)  # listed in the real capture 000009
            up.listed_unknown.append(lost)
            dss = self.daemon(up)
            r = wsusd("sync", "now", "--data-dir", dss.data_dir)
            self.assertIn("succeeded", r.stdout)
            self.assertEqual(set(exported(dss.data_dir, self.tmp.name)), set(up.revisions))
            missing = history(dss.data_dir)[0]["details"]["missing_updates"]
            self.assertEqual([(m["update_id"], m["revision"]) for m in missing], [lost])
            self.assertIn("InternalServerError", missing[0]["reason"])

    def test_network_failures_are_retried_then_reported(self):
        with FakeUpstream() as up:
            up.add_captured()
            up.fail_next("GetUpdateData", status=503, times=2)
            up.fail_next("GetCookie", fault_code="ServerBusy", times=1)
            dss = self.daemon(up)
            self.assertIn("succeeded", wsusd("sync", "now", "--data-dir", dss.data_dir).stdout)
            self.assertEqual(set(exported(dss.data_dir, self.tmp.name)), set(up.revisions))
            # More failures than retries: a failed run with the reason.
            up.fail_next("GetConfigData", status=503, times=10)
            r = wsusd("sync", "now", "--data-dir", dss.data_dir, check=False)
            self.assertNotEqual(r.returncode, 0)
            last = history(dss.data_dir)[0]
            self.assertEqual(last["result"], "failed")
            self.assertIn("HTTP 503", last["error"])

    def test_invalid_cookie_restarts_authorization(self):
        with FakeUpstream() as up:
            up.add_captured()
            up.fail_next("GetRevisionIdList", fault_code="InvalidCookie")
            dss = self.daemon(up)
            self.assertIn("succeeded", wsusd("sync", "now", "--data-dir", dss.data_dir).stdout)
            self.assertEqual(up.operations().count("GetCookie"), 2)

    def test_unreachable_upstream_names_the_key(self):
        d = Wsusd(data_dir=os.path.join(self.tmp.name, "data"),
                  config_text=config("http://upstream.invalid:8530", 'retries = 0'))
        cfg = os.path.join(self.tmp.name, "dss.toml")
        with open(cfg, "w") as f:
            f.write(config("http://upstream.invalid:8530").replace("retries = 3", "retries = 0"))
        r = wsusd("sync", "now", "--config", cfg, "--data-dir", d.data_dir, check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("sync.upstream_url", history(d.data_dir)[0]["error"])


class DssWithContent(unittest.TestCase):
    """A generated catalog (shapes from the real documents) with its files: batches smaller than the catalog, bundles
    listed before their members, every file hash-verified into the content store."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="wsusd-dss-")
        self.addCleanup(self.tmp.cleanup)
        self.catalog = os.path.join(self.tmp.name, "catalog")
        self.files = os.path.join(self.tmp.name, "files")
        wsusd("catalog", "generate", self.catalog, "--revisions", "80", "--seed", "5", "--templates", TEMPLATES,
              "--write-content", self.files)

    def upstream(self, **kw):
        up = FakeUpstream(**kw)
        for name in sorted(os.listdir(self.catalog)):
            if name.endswith(".xml"):
                with open(os.path.join(self.catalog, name), encoding="utf-8") as f:
                    up.add_document(f.read())
        up.add_content_dir(self.files)
        return up.start()

    def dss_config(self, up, extra=""):
        # Every product and classification the upstream has (empty lists); files from the upstream.
        return f"""
[sync]
upstream_url = "{up.url}"
content = "upstream"
drivers = true
retries = 2
retry_base_seconds = 0
retry_max_seconds = 1
{extra}
"""

    def test_metadata_and_content_arrive_verified(self):
        up = self.upstream(max_updates_per_request=7)
        self.addCleanup(up.stop)
        up.honor_range = False
        cfg = os.path.join(self.tmp.name, "dss.toml")
        with open(cfg, "w") as f:
            f.write(self.dss_config(up))
        data = os.path.join(self.tmp.name, "data")
        r = wsusd("sync", "now", "--config", cfg, "--data-dir", data)
        self.assertIn("succeeded", r.stdout)
        self.assertEqual(set(exported(data, self.tmp.name)), set(up.revisions))
        self.assertTrue(all(len(ids) <= 7 for ids in [
            [1 for _ in range(b.count("<UpdateIdentity>"))] for op, b in up.calls if op == "GetUpdateData"]))
        status = wsusd("content", "status", "--config", cfg, "--data-dir", data).stdout
        self.assertRegex(status, r"missing[^0-9]*0\b")
        files = history(data)[0]["details"]["files"]
        self.assertGreater(files["downloaded"], 0)
        self.assertEqual(files["failed"], 0)

    def test_corrupt_file_from_upstream_is_never_stored(self):
        up = self.upstream()
        self.addCleanup(up.stop)
        victim = next(k for k in up.content)
        up.content[victim] = b"not the file the catalog names"
        cfg = os.path.join(self.tmp.name, "dss.toml")
        with open(cfg, "w") as f:
            f.write(self.dss_config(up))
        data = os.path.join(self.tmp.name, "data")
        r = wsusd("sync", "now", "--config", cfg, "--data-dir", data, check=False)
        self.assertNotEqual(r.returncode, 0)
        last = history(data)[0]
        self.assertEqual(last["details"]["files"]["failed"], 1)
        sha = victim.rsplit("/", 1)[1].split(".")[0]
        stored = [n.lower() for _, _, names in os.walk(os.path.join(data, "content")) for n in names]
        self.assertFalse(any(n.startswith(sha) and not n.endswith((".partial", ".len")) for n in stored), stored)

    def sync_with(self, up, extra):
        cfg = os.path.join(self.tmp.name, "dss.toml")
        with open(cfg, "w") as f:
            f.write(self.dss_config(up) + extra)
        data = os.path.join(self.tmp.name, "data")
        r = wsusd("sync", "now", "--config", cfg, "--data-dir", data)
        self.assertIn("succeeded", r.stdout)
        return cfg, data

    def test_parallel_downloads_overlap(self):
        up = self.upstream()
        self.addCleanup(up.stop)
        up.content_delay = 0.3  # each GET takes a while: files fetched at once overlap on the upstream
        cfg, data = self.sync_with(up, "[content]\nparallel_downloads = 4\n")
        self.assertGreater(up.content_max_active, 1)
        self.assertLessEqual(up.content_max_active, 4)
        files = history(data)[0]["details"]["files"]
        self.assertEqual(files["parallel"], 4)
        self.assertEqual((files["failed"], files["downloaded"]), (0, files["needed"]), files)
        status = wsusd("content", "status", "--config", cfg, "--data-dir", data).stdout
        self.assertRegex(status, r"missing[^0-9]*0\b")

    def test_one_download_at_a_time(self):
        up = self.upstream()
        self.addCleanup(up.stop)
        up.content_delay = 0.05
        _, data = self.sync_with(up, "[content]\nparallel_downloads = 1\n")
        self.assertEqual(up.content_max_active, 1)
        files = history(data)[0]["details"]["files"]
        self.assertEqual((files["parallel"], files["failed"]), (1, 0), files)
        self.assertGreater(files["downloaded"], 1)

    def test_parallel_download_failures_are_collected_and_the_rest_completes(self):
        up = self.upstream()
        self.addCleanup(up.stop)
        victims = sorted(up.content)[:2]
        for v in victims:
            up.content[v] = b"not the file the catalog names"
        cfg = os.path.join(self.tmp.name, "dss.toml")
        with open(cfg, "w") as f:
            f.write(self.dss_config(up) + "[content]\nparallel_downloads = 3\n")
        data = os.path.join(self.tmp.name, "data")
        r = wsusd("sync", "now", "--config", cfg, "--data-dir", data, check=False)
        self.assertNotEqual(r.returncode, 0)
        last = history(data)[0]
        files = last["details"]["files"]
        self.assertEqual(files["failed"], 2, files)
        self.assertEqual(files["downloaded"], files["needed"] - 2, files)
        self.assertIn("2 file(s) could not be downloaded", last["error"])

    def test_bandwidth_limit_and_live_progress(self):
        up = self.upstream()
        self.addCleanup(up.stop)
        limit = 1024 * 1024
        d = Wsusd(data_dir=os.path.join(self.tmp.name, "data"),
                  config_text=self.dss_config(up, "jitter_minutes = 0") +
                  '[content]\nparallel_downloads = 3\nmax_bandwidth = "1M"\n')
        d.start()
        self.addCleanup(d.close)
        token = os.path.join(self.tmp.name, "ops.token")
        wsusd("token", "create", "ops", "--data-dir", d.data_dir, "--write", token)
        ctl = [WSUSCTL_BIN, "--data-dir", d.data_dir, "--token-file", token, "--json"]

        def ctl_json(*args):
            r = subprocess.run(ctl + list(args), capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            return json.loads(r.stdout)

        ctl_json("sync", "start")
        seen, deadline = [], time.time() + 120
        while time.time() < deadline:
            st = ctl_json("sync", "status")
            if st.get("running") and "content" in st:
                seen.append(st["content"])
            if not st.get("running") and st.get("last", {}).get("result") not in (None, "running"):
                break
            time.sleep(0.1)
        last = ctl_json("sync", "history", "--limit", "1")["runs"][0]
        self.assertEqual(last["result"], "succeeded", last)
        files = last["details"]["files"]
        # Mid-sync: files and bytes counted against their totals, and a rate.
        mid = [c for c in seen if 0 < c["bytes_done"] < c["bytes_total"]]
        self.assertTrue(mid, seen)
        self.assertTrue(all(c["files_total"] == files["needed"] and c["bytes_total"] == files["bytes_total"]
                            for c in seen), (seen, files))
        self.assertTrue(any(c["bytes_per_second"] > 0 for c in mid), mid)
        self.assertTrue(all(c["files_done"] <= c["files_total"] for c in seen))
        # Afterwards the history has the totals.
        self.assertEqual((files["failed"], files["downloaded"]), (0, files["needed"]), files)
        self.assertEqual(files["bytes"], files["bytes_total"])
        self.assertGreater(files["bytes"], 2 * limit)
        # The limit holds for all transfers together: a lower bound on the time, measured at the upstream.
        elapsed = up.content_last_end - up.content_first_start
        self.assertGreaterEqual(elapsed, files["bytes"] / limit * 0.8, (elapsed, files))

    def test_cancel_and_stop_end_throttled_parallel_downloads_promptly(self):
        up = self.upstream()
        self.addCleanup(up.stop)
        d = Wsusd(data_dir=os.path.join(self.tmp.name, "data"),
                  config_text=self.dss_config(up, "jitter_minutes = 0") +
                  '[content]\nparallel_downloads = 4\nmax_bandwidth = "32K"\n')
        d.start()
        self.addCleanup(d.close)
        token_file = os.path.join(self.tmp.name, "ops.token")
        wsusd("token", "create", "ops", "--data-dir", d.data_dir, "--write", token_file)
        with open(token_file) as f:
            token = f.read().strip()

        def admin(method, path):
            conn = d.admin()
            conn.request(method, path, headers={"Authorization": "Bearer " + token})
            r = conn.getresponse()
            return r.status, json.loads(r.read() or b"{}")

        def downloading():
            deadline = time.time() + 60
            while time.time() < deadline:
                _, st = admin("GET", "/sync")
                if st.get("content", {}).get("bytes_done", 0) > 0:
                    return st
                time.sleep(0.05)
            self.fail("the content step did not start")

        self.assertEqual(admin("POST", "/sync")[0], 202)
        st = downloading()
        self.assertGreater(st["content"]["active"], 1)
        self.assertEqual(admin("POST", "/sync/cancel")[0], 202)
        t0 = time.time()
        while admin("GET", "/sync")[1]["running"] and time.time() - t0 < 30:
            time.sleep(0.05)
        self.assertLess(time.time() - t0, 5, "a cancel waited for the throttled transfers")
        self.assertEqual(history(d.data_dir)[0]["result"], "cancelled")
        # What arrived stays as partial downloads for the next sync.
        partials = [n for _, _, names in os.walk(os.path.join(d.data_dir, "content")) for n in names
                    if n.endswith(".partial")]
        self.assertTrue(partials)
        # Stopping the daemon in the middle of the downloads is just as prompt.
        self.assertEqual(admin("POST", "/sync")[0], 202)
        downloading()
        t0 = time.time()
        self.assertEqual(d.stop(), 0)
        self.assertLess(time.time() - t0, 10)

    def test_killed_during_metadata_sync_resumes_to_the_same_store(self):
        up = self.upstream(max_updates_per_request=4)
        self.addCleanup(up.stop)
        up.update_data_delay = 0.15
        cfg = os.path.join(self.tmp.name, "dss.toml")
        with open(cfg, "w") as f:
            f.write(self.dss_config(up, 'content = "none"').replace('content = "upstream"\n', ""))
        data = os.path.join(self.tmp.name, "data")
        total = len(up.revisions)
        for kill in range(3):
            before = len(up.requested_update_ids())
            p = subprocess.Popen([WSUSD_BIN, "sync", "now", "--config", cfg, "--data-dir", data],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.time() + 30
            while len(up.requested_update_ids()) < before + 12 and time.time() < deadline:
                time.sleep(0.02)
            p.send_signal(signal.SIGKILL)
            p.wait()
        up.update_data_delay = 0
        before = len(up.requested_update_ids())
        self.assertIn("succeeded", wsusd("sync", "now", "--config", cfg, "--data-dir", data).stdout)
        fetched_last = len(up.requested_update_ids()) - before
        self.assertLess(fetched_last, total, "the last run resumed instead of starting over")
        docs = exported(data, self.tmp.name)
        self.assertEqual(set(docs), set(up.revisions))
        wsusd("store", "check", "--data-dir", data)
        runs = history(data)
        self.assertEqual(runs[0]["result"], "succeeded")
        self.assertTrue(all(r["result"] == "failed" and "interrupted" in r["error"] for r in runs[1:4]), runs[1:4])


class ReplicaFromCapturedUpstream(unittest.TestCase):
    def test_groups_approvals_and_declines_are_mirrored(self):
        tmp = tempfile.TemporaryDirectory(prefix="wsusd-dss-")
        self.addCleanup(tmp.cleanup)
        with FakeUpstream() as up:
            up.add_captured()
            leaf = "266f6222-c89d-43f2-9f8a-69340271e677"
            parent, child = "3f0b1f65-94a4-4e34-8a2a-3b1c1d2e4f51", "5c7d9e0f-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
            up.deployments = {
                "anchor": "dep-1",
                "groups": [{"id": "a0a08746-4dbe-4a37-9adf-9e7652c0b421", "parent": "00000000-0000-0000-0000-000000000000",
                            "name": "All Computers", "builtin": True},
                           {"id": child, "parent": parent, "name": "Ring 1"},
                           {"id": parent, "parent": "a0a08746-4dbe-4a37-9adf-9e7652c0b421", "name": "Servers"}],
                "deployments": [{"update_id": leaf, "revision": 200, "group": child,
                                 "guid": "11111111-2222-4333-8444-555555555555"}],
                "hidden": ["7366a74a-ef29-44e1-b738-570b516aca1f"],
            }
            dss = Wsusd(data_dir=os.path.join(tmp.name, "data"), config_text=config(up.url, "replica = true"))
            dss.start()
            self.addCleanup(dss.close)
            self.assertIn("succeeded", wsusd("sync", "now", "--data-dir", dss.data_dir).stdout)
            self.assertIn("GetDeployments", up.operations())
            details = history(dss.data_dir)[0]["details"]["deployments"]
            self.assertEqual((details["groups_created"], details["approvals"], details["declined"]), (2, 1, 1))
            # The upstream withdraws the approval and deletes a group: the replica follows.
            up.deployments = {"anchor": "dep-2", "groups": [up.deployments["groups"][0], up.deployments["groups"][2]],
                              "dead": ["11111111-2222-4333-8444-555555555555"], "hidden": []}
            self.assertIn("succeeded", wsusd("sync", "now", "--data-dir", dss.data_dir).stdout)
            details = history(dss.data_dir)[0]["details"]["deployments"]
            self.assertEqual((details["withdrawn"], details["groups_removed"], details["undeclined"]), (1, 1, 1))
            dep_calls = [b for op, b in up.calls if op == "GetDeployments"]
            self.assertIn("<deploymentAnchor>dep-1</deploymentAnchor>", dep_calls[-1])


if __name__ == "__main__":
    unittest.main()
