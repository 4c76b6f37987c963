"""End-to-end report rollup (MS-WSUSSS §3.1.4.13–17, §3.2.4.5): a root wsusd (upstream) and a downstream wsusd that
synchronizes from it through a recording proxy; clients of the downstream report the real events decoded in
../shared/captures/wsus-m0-reports/native-install-events.json (see captures/PROVENANCE.md): an install that needs a
restart and failed installs. After the downstream's sync the root's admin API shows those computers with their
states and the downstream server they report through; a repeated rollup sends nothing; a rollup cut off after its
first status batch resumes with the rest only. Every Reporting response is validated with soapcheck."""
import datetime
import http.client
import http.server
import json
import os
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest
import uuid

import soapcheck
from test_dss_sync import history, wsusd
from test_reporting import EVENTS, REPORTING_PATH, SD, batch_request, event_xml
from wsusd_harness import CLIENT_PATH, Wsusd, soap_post
from wusp_client import ACTION, WuaClient, template

WSUSCTL_BIN = os.environ.get("WSUSCTL_BIN", "build/src/ctl/wsusctl")
ROLLUP_OPS = ("GetRollupConfiguration", "RollupDownstreamServers", "RollupComputers", "GetOutOfSyncComputers",
              "RollupComputerStatus")


class Proxy:
    """Forwards every request to the root, counts SOAP actions, validates Reporting responses, and can answer one
    chosen call with HTTP 503 instead (the root unreachable mid-rollup)."""

    def __init__(self, port):
        self.counts, self.fail_at, self.invalid = {}, None, []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                action = self.headers.get("SOAPAction", "").strip('"').rsplit("/", 1)[-1]
                with threading.Lock():
                    proxy.counts[action] = proxy.counts.get(action, 0) + 1
                    n = proxy.counts[action]
                if proxy.fail_at == (action, n):
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "accept-encoding")}
                conn.request("POST", self.path, body, headers)
                r = conn.getresponse()
                data = r.read()
                if action in ROLLUP_OPS:
                    try:
                        soapcheck.validate(data, reporting=True)
                    except Exception as e:  # recorded, asserted by the test
                        proxy.invalid.append(f"{action}: {e}")
                self.send_response(r.status)
                for k, v in r.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def rows(data_dir, sql, args=()):
    db = sqlite3.connect(f"file:{data_dir}/wsusd.db?mode=ro", uri=True)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


class RollupTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="wsusd-rollup-")
        self.addCleanup(self.tmp.cleanup)
        self.root = Wsusd(data_dir=os.path.join(self.tmp.name, "root", "data"), config_text="[upstream_role]\n")
        self.root.start()
        self.addCleanup(self.root.close)
        self.proxy = Proxy(self.root.ports["http"])
        self.addCleanup(self.proxy.close)
        self.dss = Wsusd(data_dir=os.path.join(self.tmp.name, "dss", "data"), config_text=f"""
[sync]
upstream_url = "http://127.0.0.1:{self.proxy.port}"
account_name = "dss1.example.test"
content = "none"
retries = 0
jitter_minutes = 0
rollup_max_per_request = 1
""")
        self.dss.start()
        self.addCleanup(self.dss.close)
        with open(EVENTS) as f:
            self.batches = json.load(f)["batches"]

    def client_reports(self, name):
        c = WuaClient(self.dss.http(), dns_name=name).handshake()
        c.call(CLIENT_PATH, ACTION + "RegisterComputer", c.with_cookie(template(4)))
        for b in self.batches:
            events = "".join(event_xml(e, uuid.uuid4()) for e in b["events"])
            status, _, data = soap_post(self.dss.http(), REPORTING_PATH, batch_request(c, events).encode(),
                                        SD + "/ReportEventBatch")
            self.assertEqual(status, 200)
            self.assertEqual(soapcheck.validate(data, reporting=True).findtext(f"{{{SD}}}ReportEventBatchResult"),
                             "true")
        return c.client_id

    def sync(self):
        """One sync of the downstream (through its daemon); returns the run as `wsusd sync history` records it."""
        wsusd("sync", "now", "--data-dir", self.dss.data_dir, check=False)
        return history(self.dss.data_dir)[0]

    def root_api(self, *args):
        token = os.path.join(self.tmp.name, "root.token")
        if not os.path.exists(token):
            wsusd("token", "create", "ops", "--data-dir", self.root.data_dir, "--write", token)
        r = subprocess.run([WSUSCTL_BIN, "--data-dir", self.root.data_dir, "--token-file", token, "--json", *args],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def root_state(self):
        return (rows(self.root.data_dir, "SELECT client_id, dns_name, parent_server_id, rollup_number FROM computer "
                                         "ORDER BY client_id"),
                rows(self.root.data_dir, "SELECT c.client_id, s.update_id, s.state, s.event_time, s.changed_at "
                                         "FROM update_status s JOIN computer c ON c.id = s.computer_id ORDER BY 1, 2"))

    def test_rollup_reaches_the_root_once_and_resumes(self):
        clients = [self.client_reports(f"pc{i}.example.test") for i in range(3)]
        dss_id = rows(self.dss.data_dir, "SELECT value FROM setting WHERE key = 'sync.account_guid'")
        # Interrupted: the second RollupComputerStatus (one computer per request) does not reach the root.
        self.proxy.fail_at = ("RollupComputerStatus", 2)
        run = self.sync()
        # The updates are in: the run succeeds, the rollup's failure is in its details (resumed next time).
        self.assertEqual(run["result"], "succeeded", run)
        self.assertIn("RollupComputerStatus", run["details"]["rollup"]["error"])
        self.assertEqual(self.proxy.counts.get("RollupComputers"), 3, self.proxy.counts)
        got = rows(self.root.data_dir, "SELECT COUNT(DISTINCT computer_id) FROM update_status")[0][0]
        self.assertEqual(got, 1)

        # Resumed: only the two computers whose states were not acknowledged go up again.
        self.proxy.fail_at, self.proxy.counts = None, {}
        run = self.sync()
        self.assertEqual((run["result"], run["details"]["rollup"]["status"]), ("succeeded", 2), run)
        self.assertEqual(self.proxy.counts.get("RollupComputerStatus"), 2, self.proxy.counts)
        self.assertIsNone(self.proxy.counts.get("RollupComputers"), self.proxy.counts)
        dss_id = rows(self.dss.data_dir, "SELECT value FROM setting WHERE key = 'sync.account_guid'")[0][0]

        # The root's reports: each computer, through the downstream server, with the states its client reported.
        listed = {c["id"]: c for c in self.root_api("computer", "list")["computers"]}
        self.assertEqual(sorted(listed), sorted(clients))
        for cid in clients:
            self.assertEqual(listed[cid]["reported_through"], "dss1.example.test")
            self.assertEqual(listed[cid]["downstream_server_id"], dss_id)
            shown = self.root_api("computer", "show", cid)
            states = {u["update"]: u["state"] for u in shown["updates"]}
            self.assertEqual(states["88661612-7dd9-49d4-bb34-1e54802c99b9"], "installed_pending_reboot")
            self.assertEqual(states["b3201129-7087-42ee-a3f7-2a3b44965ee5"], "failed")
            self.assertEqual(states["d2f6f81e-0633-41dc-a073-9975148ca7a2"], "failed")
        report = {r["id"]: r for r in self.root_api("report", "computers")["computers"]}
        self.assertEqual(report[clients[0]]["states"], {"installed_pending_reboot": 1, "failed": 2})
        self.assertEqual(report[clients[0]]["reported_through"], "dss1.example.test")
        # The error code stays on the downstream server: ComputerStatusRollupUpdateStatus has no field for it.
        dss_hr = rows(self.dss.data_dir, "SELECT DISTINCT win32_hresult FROM update_status WHERE state = 6")
        self.assertEqual(dss_hr, [(-2145099769,)])
        downstream = self.root_api("server", "downstream")["downstream_servers"]
        self.assertEqual([d["id"] for d in downstream], [dss_id])

        # Repeated: nothing changed, so no computer or status goes up and the root's rows stay as they are.
        before = self.root_state()
        self.proxy.counts = {}
        run = self.sync()
        self.assertEqual((run["details"]["rollup"]["computers"], run["details"]["rollup"]["status"]), (0, 0), run)
        for op in ("RollupComputers", "GetOutOfSyncComputers", "RollupComputerStatus"):
            self.assertIsNone(self.proxy.counts.get(op), self.proxy.counts)
        self.assertEqual(self.proxy.counts.get("GetRollupConfiguration"), 1)
        self.assertEqual(self.root_state(), before)
        self.assertEqual(self.proxy.invalid, [])

    def reserved(self, daemon, op, inner=""):
        """A rollup call with MS-WSUSSS's reserved cookie (fixed value, no data), as a real WSUS downstream sends it."""
        body = (f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope '
                f'xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
                f'<{op} xmlns="{SD}"><cookie><Expiration>9999-12-31T23:59:59.9999999</Expiration>'
                f'<EncryptedData /></cookie>{inner}</{op}></soap:Body></soap:Envelope>')
        status, _, data = soap_post(daemon.http(), REPORTING_PATH, body.encode(), SD + "/" + op)
        return status, soapcheck.validate(data, reporting=True)

    @staticmethod
    def server_info(server_id, name):
        # Newer than the rollup the downstream's own sync just sent: an older one is ignored (§3.1.4.14).
        rolled = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=1)).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
        return (f"<clientTime>2026-11-23T10:00:00Z</clientTime><downstreamServers><DownstreamServerRollupInfo>"
                f"<ServerId>{server_id}</ServerId><FullDomainName>{name}</FullDomainName>"
                f"<LastSyncTime>2026-11-23T09:00:00Z</LastSyncTime>"
                f"<ParentServerId>00000000-0000-0000-0000-000000000000</ParentServerId><Version>10.0.26100.1</Version>"
                f"<IsReplica>false</IsReplica><LastRollupTime>{rolled}</LastRollupTime>"
                f"</DownstreamServerRollupInfo></downstreamServers>")

    def test_reserved_cookie_is_taken_only_from_an_address_that_authorized(self):
        # No downstream server has authorized from this address yet: refused.
        status, doc = self.reserved(self.root, "GetRollupConfiguration")
        self.assertEqual((status, doc.findtext("detail/ErrorCode")), (500, "InvalidCookie"))
        # The downstream's sync authorizes from 127.0.0.1 (DssAuth + GetCookie through the proxy).
        self.assertEqual(self.sync()["result"], "succeeded")
        dss_id = rows(self.dss.data_dir, "SELECT value FROM setting WHERE key = 'sync.account_guid'")[0][0]
        status, doc = self.reserved(self.root, "GetRollupConfiguration")
        self.assertEqual(status, 200)
        result = doc.find(f".//{{{SD}}}GetRollupConfigurationResult")
        self.assertTrue(result.findtext(f"{{{SD}}}ServerId"))
        # The reserved cookie speaks for the server that authorized, and only for it.
        status, doc = self.reserved(self.root, "RollupDownstreamServers",
                                    self.server_info(str(uuid.uuid4()), "impostor.example.test"))
        self.assertEqual((status, doc.findtext("detail/ErrorCode")), (500, "InvalidParameters"))
        status, _ = self.reserved(self.root, "RollupDownstreamServers", self.server_info(dss_id, "wsus2.example.test"))
        self.assertEqual(status, 200)
        names = rows(self.root.data_dir, "SELECT name FROM downstream_server WHERE id = ?", (dss_id,))
        self.assertEqual(names, [("wsus2.example.test",)])

        # upstream_role.rollup_reserved_cookie = false: only a server cookie will do, even from that address.
        strict = Wsusd(data_dir=os.path.join(self.tmp.name, "strict", "data"),
                       config_text="[upstream_role]\nrollup_reserved_cookie = false\n")
        strict.start()
        self.addCleanup(strict.close)
        other = Wsusd(data_dir=os.path.join(self.tmp.name, "dss2", "data"), config_text=f"""
[sync]
upstream_url = "http://127.0.0.1:{strict.ports['http']}"
content = "none"
retries = 0
jitter_minutes = 0
""")
        other.start()
        self.addCleanup(other.close)
        wsusd("sync", "now", "--data-dir", other.data_dir, check=False)
        self.assertEqual(history(other.data_dir)[0]["result"], "succeeded")
        status, doc = self.reserved(strict, "GetRollupConfiguration")
        self.assertEqual((status, doc.findtext("detail/ErrorCode")), (500, "InvalidCookie"))

    def test_rollup_between_syncs_sends_reports_without_a_sync(self):
        self.assertEqual(self.sync()["result"], "succeeded")
        client = self.client_reports("late.example.test")
        self.proxy.counts = {}
        token = os.path.join(self.tmp.name, "dss.token")
        wsusd("token", "create", "ops", "--data-dir", self.dss.data_dir, "--write", token)
        r = subprocess.run([WSUSCTL_BIN, "--data-dir", self.dss.data_dir, "--token-file", token, "--json", "sync",
                            "rollup"], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        runs = []
        for _ in range(300):
            r = subprocess.run([WSUSCTL_BIN, "--data-dir", self.dss.data_dir, "--token-file", token, "--json", "sync",
                                "history"], capture_output=True, text=True, timeout=60)
            runs = json.loads(r.stdout)["runs"]
            if runs and runs[0]["kind"] == "rollup" and runs[0]["result"] != "running":
                break
            time.sleep(0.1)
        self.assertEqual((runs[0]["kind"], runs[0]["result"], runs[0]["started_by"]),
                         ("rollup", "succeeded", "admin rollup"), runs[0])
        self.assertEqual(runs[0]["rollup"]["computers"], 1, runs[0])
        self.assertEqual(runs[1]["kind"], "sync")
        # Only authorization, the protocol probe and the rollup itself: no metadata was asked for.
        for op in ("GetRevisionIdList", "GetUpdateData", "GetDeployments", "GetUpdateDecryptionData"):
            self.assertIsNone(self.proxy.counts.get(op), self.proxy.counts)
        self.assertEqual(self.proxy.counts.get("RollupComputers"), 1, self.proxy.counts)
        listed = {c["id"]: c for c in self.root_api("computer", "list")["computers"]}
        self.assertEqual(listed[client]["reported_through"], "dss1.example.test")
        self.assertEqual(self.proxy.invalid, [])


if __name__ == "__main__":
    unittest.main()
