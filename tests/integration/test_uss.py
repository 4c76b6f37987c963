"""End-to-end: wsusd as an upstream server (MS-WSUSSS USS role). Every request a real downstream sent to a real
WSUS (../shared/captures/wsus-m0-wsusss/exchanges, see its README and captures/PROVENANCE.md) is replayed against a
wsusd whose catalog holds the captured update documents; each answer is validated against schema/ and compared in
shape with the real one. Compressed blobs are opened with cabextract and must hold the stored document. The anchor
protocol is tested with changes made between two calls."""
import base64
import os
import re
import subprocess
import tempfile
import unittest
import uuid

import soapcheck
from wsusd_harness import SHARED_DIR, WSUSD_BIN, Wsusd, read_capture, soap_post

SEED_BIN = os.environ.get("WSUSD_SEED_BIN", "build/tests/integration/wsusd-test-seed")
DOCS = os.path.join(SHARED_DIR, "captures", "wsus-m0-wsusss", "docs")
SS_PATH = "/ServerSyncWebService/ServerSyncWebService.asmx"
DSS_PATH = "/DssAuthWebService/DssAuthWebService.asmx"
SD = "http://www.microsoft.com/SoftwareDistribution"
NS = {"s": SD}
LEAF = "266f6222-c89d-43f2-9f8a-69340271e677"      # Defender delta with one file (real exchange 000014)
COMPANY = "56309036-4c77-4dd9-951a-99ee9c246a94"   # category (real exchange 000016)


def exchange(n, part):
    return read_capture("wsus-m0-wsusss", "exchanges", f"{n:06d}", part).decode()


def action_of(n):
    return re.search(r"(?i)soapaction: (\S+)", exchange(n, "request.headers")).group(1).strip('"')


def real_payload(n):
    return soapcheck.payload_of(read_capture("wsus-m0-wsusss", "exchanges", f"{n:06d}", "response.body"))


def small_document(update_id, title="wsusd test update"):
    """A minimal software update document of our own, small enough to travel as a plain XmlUpdateBlob."""
    return ('<upd:Update xmlns:upd="http://schemas.microsoft.com/msus/2002/12/Update">'
            f'<upd:UpdateIdentity UpdateID="{update_id}" RevisionNumber="100" />'
            '<upd:Properties UpdateType="Software" DefaultPropertiesLanguage="en" />'
            '<upd:LocalizedPropertiesCollection><upd:LocalizedProperties><upd:Language>en</upd:Language>'
            f'<upd:Title>{title}</upd:Title></upd:LocalizedProperties></upd:LocalizedPropertiesCollection>'
            '</upd:Update>')


def category_document(update_id, title, category_type):
    """A category of our own (the captured catalog holds the updates of Defender, not its product and
    classification categories, which real WSUS synchronizes first)."""
    return ('<upd:Update xmlns:cat="http://schemas.microsoft.com/msus/2002/12/UpdateHandlers/Category" '
            'xmlns:upd="http://schemas.microsoft.com/msus/2002/12/Update">'
            f'<upd:UpdateIdentity UpdateID="{update_id}" RevisionNumber="1" />'
            '<upd:Properties DefaultPropertiesLanguage="en" UpdateType="Category" '
            'Handler="http://schemas.microsoft.com/msus/2002/12/UpdateHandlers/Category" />'
            '<upd:LocalizedPropertiesCollection><upd:LocalizedProperties><upd:Language>en</upd:Language>'
            f'<upd:Title>{title}</upd:Title></upd:LocalizedProperties></upd:LocalizedPropertiesCollection>'
            '<upd:HandlerSpecificData xsi:type="cat:Category" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'<cat:CategoryInformation CategoryType="{category_type}" ProhibitsSubcategories="false" '
            'ProhibitsUpdates="false" DisplayOrder="0" /></upd:HandlerSpecificData></upd:Update>')


class Downstream:
    """A scripted downstream server: the captured requests with this run's cookies."""

    def __init__(self, server, account="dss1.example.test", guid=None):
        self.server = server
        self.account = account
        self.guid = guid or str(uuid.uuid4())
        self.cookie = None

    def post(self, path, action, body, expect_fault=False):
        status, headers, data = soap_post(self.server.http(), path, body.encode(), f'"{action}"')
        payload = soapcheck.validate(data)
        if expect_fault:
            assert status == 500, data
        else:
            assert status == 200, data
        return payload, headers

    def handshake(self):
        body = exchange(2, "request.body").replace("probe.lab.invalid", self.account)
        body = re.sub(r"<accountGuid>[^<]*</accountGuid>", f"<accountGuid>{self.guid}</accountGuid>", body)
        p, _ = self.post(DSS_PATH, action_of(2), body)
        self.auth = p.findtext(".//{http://www.microsoft.com/SoftwareDistribution/Server/DssAuthWebService}CookieData")
        p, _ = self.post(SS_PATH, action_of(3), self.get_cookie_body())
        self.cookie = p.findtext(".//s:EncryptedData", namespaces=NS)
        self.expiration = p.findtext(".//s:Expiration", namespaces=NS)
        return self

    def get_cookie_body(self, version="1.20"):
        body = re.sub(r"<CookieData>[^<]*</CookieData>", f"<CookieData>{self.auth}</CookieData>",
                      exchange(3, "request.body"))
        return body.replace("<protocolVersion>1.20</protocolVersion>", f"<protocolVersion>{version}</protocolVersion>")

    def with_cookie(self, body):
        return re.sub(r"<cookie>.*?</cookie>", f"<cookie><Expiration>{self.expiration}</Expiration><EncryptedData>"
                      f"{self.cookie}</EncryptedData></cookie>", body, count=1, flags=re.S)

    def replay(self, n, expect_fault=False, edit=lambda b: b):
        path = exchange(n, "request.headers").split()[1]
        return self.post(path, action_of(n), edit(self.with_cookie(exchange(n, "request.body"))), expect_fault)[0]

    def revision_ids(self, anchor=None, config=False, categories=(), classifications=(), delta=False):
        f = "<filter>"
        if anchor:
            f += f"<Anchor>{anchor}</Anchor>"
        f += f"<GetConfig>{'true' if config else 'false'}</GetConfig>"
        if categories:
            f += "<Categories>" + "".join(f"<IdAndDelta><Id>{c}</Id><Delta>{str(delta).lower()}</Delta></IdAndDelta>"
                                          for c in categories) + "</Categories>"
        if classifications:
            f += "<Classifications>" + "".join(
                f"<IdAndDelta><Id>{c}</Id><Delta>{str(delta).lower()}</Delta></IdAndDelta>"
                for c in classifications) + "</Classifications>"
        f += "</filter>"
        body = re.sub(r"<filter>.*?</filter>", f, exchange(6, "request.body"), flags=re.S)
        p = self.replay_body(6, body)
        ids = [(u.findtext("s:UpdateID", namespaces=NS), int(u.findtext("s:RevisionNumber", namespaces=NS)))
               for u in p.findall(".//s:NewRevisions/s:UpdateIdentity", namespaces=NS)]
        return p.findtext(".//s:Anchor", namespaces=NS), ids

    def deployments(self, sync_anchor, deployment_anchor=None):
        body = ('<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/'
                f'envelope/"><soap:Body><GetDeployments xmlns="{SD}"><cookie /><deploymentAnchor>'
                f'{deployment_anchor or ""}</deploymentAnchor><syncAnchor>{sync_anchor}</syncAnchor></GetDeployments>'
                '</soap:Body></soap:Envelope>')
        return self.post(SS_PATH, SD + "/GetDeployments", self.with_cookie(body.replace("<cookie />", "<cookie></cookie>")))[0]

    def replay_body(self, n, body):
        return self.post(SS_PATH, action_of(n), self.with_cookie(body))[0]


def etree_local(element):
    return element.tag.split("}")[-1]


def import_docs(server, folder):
    r = subprocess.run([WSUSD_BIN, "catalog", "import", folder, "--data-dir", server.data_dir, "--quiet"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


class UpstreamTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="wsusd-uss-")
        cls.server = Wsusd(data_dir=os.path.join(cls.tmp.name, "data"))
        os.makedirs(cls.server.data_dir)
        categories = os.path.join(cls.tmp.name, "categories")
        os.makedirs(categories)
        for uid, title, kind in (("8c3fcc84-7410-4a95-8b89-a166a0190486", "Microsoft Defender Antivirus", "Product"),
                                 ("e0789628-ce08-4437-be74-2495b842f43b", "Definition Updates",
                                  "UpdateClassification")):
            with open(os.path.join(categories, uid + ".xml"), "w") as f:
                f.write(category_document(uid, title, kind))
        import_docs(cls.server, categories)
        import_docs(cls.server, DOCS)
        cls.small_id = str(uuid.uuid4())
        small = os.path.join(cls.tmp.name, "small")
        os.makedirs(small)
        with open(os.path.join(small, "small.xml"), "w") as f:
            f.write(small_document(cls.small_id))
        import_docs(cls.server, small)
        cls.server.start()
        cls.dss = Downstream(cls.server).handshake()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.tmp.cleanup()

    def same_shape(self, ours, n):
        self.assertEqual(soapcheck.unique_paths(ours), soapcheck.unique_paths(real_payload(n)), f"exchange {n:06d}")

    def test_handshake_like_the_real_server(self):
        self.same_shape(self.dss.post(SS_PATH, action_of(1), exchange(1, "request.body"))[0], 1)
        p = self.dss.post(SS_PATH, action_of(1), exchange(1, "request.body"))[0]
        self.assertEqual(p.findtext(".//s:PlugInID", namespaces=NS), "DssTargeting")
        self.assertEqual(p.findtext(".//s:ServiceUrl", namespaces=NS), "DssAuthWebService/DssAuthWebService.asmx")
        d = Downstream(self.server)
        body = exchange(2, "request.body")
        self.same_shape(d.post(DSS_PATH, action_of(2), body)[0], 2)
        d.handshake()
        self.assertTrue(d.cookie)
        self.same_shape(d.post(SS_PATH, action_of(3), d.get_cookie_body())[0], 3)
        # protocol major version 2 is refused, a malformed one names the parameter
        for version, code in (("2.0", "IncompatibleProtocolVersion"), ("x", "InvalidParameters")):
            fault = d.post(SS_PATH, action_of(3), d.get_cookie_body(version), expect_fault=True)[0]
            self.assertEqual(fault.findtext("detail/ErrorCode"), code)
        # The authorization cookie of another server (the capture's) is refused.
        fault = d.post(SS_PATH, action_of(3), exchange(3, "request.body"), expect_fault=True)[0]
        self.assertEqual(fault.findtext("detail/ErrorCode"), "InvalidAuthorizationCookie")

    def test_config_data_like_the_real_server(self):
        p = self.dss.replay(5)
        self.same_shape(p, 5)
        self.assertEqual(p.findtext(".//s:MaxNumberOfUpdatesPerRequest", namespaces=NS), "100")
        self.assertEqual(p.findtext(".//s:ProtocolVersion", namespaces=NS), "1.20")
        langs = {l.findtext("s:ShortLanguage", namespaces=NS): l.findtext("s:Enabled", namespaces=NS)
                 for l in p.findall(".//s:ServerSyncLanguageData", namespaces=NS)}
        self.assertEqual(langs["en"], "true")
        self.assertEqual(langs["de"], "false")
        self.assertEqual(len(langs), len(real_payload(5).findall(".//s:ServerSyncLanguageData", namespaces=NS)))
        anchor = p.findtext(".//s:NewConfigAnchor", namespaces=NS)
        # With its current anchor the answer is short, as real 000004.
        again = self.dss.replay(4, edit=lambda b: re.sub(r"<configAnchor>[^<]*</configAnchor>",
                                                         f"<configAnchor>{anchor}</configAnchor>", b))
        self.same_shape(again, 4)

    def test_revision_lists_like_the_real_server(self):
        self.same_shape(self.dss.replay(6), 6)        # categories
        cats = {u for u, _ in self.dss.revision_ids(config=True)[1]}
        self.assertIn(COMPANY, cats)
        self.assertNotIn(LEAF, cats)
        self.same_shape(self.dss.replay(7), 7)        # a product without classifications: nothing
        self.same_shape(self.dss.replay(8), 8)        # product + Security Updates: none in this catalog
        p = self.dss.replay(9)                        # product + Definition Updates: the Defender update
        self.same_shape(p, 9)
        self.assertIn("1f9bd9bb-7390-4aa3-bbdb-ded99fac2583",
                      [u.text for u in p.findall(".//s:UpdateID", namespaces=NS)])
        self.same_shape(self.dss.replay(10), 10)      # an anchor with Delta false: everything again
        self.same_shape(self.dss.replay(11), 11)      # the same with Delta true: only changes, here none
        self.same_shape(self.dss.replay(12), 12)      # only what changed since an anchor: here nothing
        fault = self.dss.replay(18, expect_fault=True)
        self.same_shape(fault, 18)
        self.assertEqual(fault.findtext("detail/ErrorCode"), "InvalidParameters")
        self.assertEqual(fault.findtext("detail/Message"), "filter")
        status, _, data = soap_post(self.server.http(), SS_PATH, exchange(19, "request.body").encode(),
                                    f'"{action_of(19)}"')
        fault = soapcheck.validate(data)
        self.same_shape(fault, 19)
        self.assertEqual(fault.findtext("detail/ErrorCode"), "InvalidCookie")

    def test_update_data_plain_and_compressed(self):
        edit = lambda leaf: (lambda b: re.sub(r"<UpdateID>[^<]*</UpdateID><RevisionNumber>\d+</RevisionNumber>",
                                              leaf, b))
        # The leaf with a file, as real 000014: compressed blob, digest list and its Microsoft Update URL.
        p = self.dss.replay(14)
        self.same_shape(p, 14)
        self.assertEqual(p.findtext(".//s:FileDigestList/s:base64Binary", namespaces=NS),
                         real_payload(14).findtext(".//s:FileDigestList/s:base64Binary", namespaces=NS))
        digest = base64.b64decode(p.findtext(".//s:FileDigest", namespaces=NS)).hex().upper()
        self.assertEqual(digest, base64.b64decode(real_payload(14).findtext(".//s:FileDigest", namespaces=NS)).hex().upper())
        # Documents carry no Microsoft URL: the downstream server fetches the file from us.
        self.assertEqual(p.findtext(".//s:UssUrl", namespaces=NS),
                         f"http://127.0.0.1:{self.server.ports['http']}/Content/{digest[-2:]}/{digest}.exe")
        self.assertEqual(self.unpack(p), open(os.path.join(DOCS, f"{LEAF}-r200.xml"), encoding="utf-8").read())
        # A category, as real 000016.
        p = self.dss.replay(16)
        self.same_shape(p, 16)
        self.assertEqual(self.unpack(p), open(os.path.join(DOCS, f"{COMPANY}-r101.xml"), encoding="utf-8").read())
        # A small document travels as plain XML, as real 000015.
        p = self.dss.replay(15, edit=edit(f"<UpdateID>{self.small_id}</UpdateID><RevisionNumber>100</RevisionNumber>"))
        self.same_shape(p, 15)
        self.assertEqual(p.findtext(".//s:XmlUpdateBlob", namespaces=NS), small_document(self.small_id))
        # An unknown revision fails the call, as real 000017.
        fault = self.dss.replay(17, expect_fault=True)
        self.same_shape(fault, 17)
        self.assertEqual(fault.findtext("detail/ErrorCode"), "InternalServerError")
        # More ids than MaxNumberOfUpdatesPerRequest: InvalidParameters naming updateIds.
        many = "".join(f"<UpdateIdentity><UpdateID>{uuid.uuid4()}</UpdateID><RevisionNumber>1</RevisionNumber>"
                       "</UpdateIdentity>" for _ in range(101))
        fault = self.dss.replay(17, expect_fault=True,
                                edit=lambda b: re.sub(r"<updateIds>.*</updateIds>", f"<updateIds>{many}</updateIds>", b))
        self.assertEqual(fault.findtext("detail/Message"), "updateIds")

    def call(self, op, inner, ns=SD, expect_fault=False):
        body = ('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
                f'<{op} xmlns="{ns}">{inner}</{op}></soap:Body></soap:Envelope>')
        return self.dss.post(SS_PATH, f"{ns}/{op}", self.dss.with_cookie(body), expect_fault)[0]

    def test_files_decryption_data_and_ping(self):
        known = real_payload(14).findtext(".//s:FileDigestList/s:base64Binary", namespaces=NS)
        unknown = base64.b64encode(b"\x01" * 20).decode()
        cookie = "<cookie></cookie>"
        p = self.call("DownloadFiles", f"{cookie}<fileDigestList><base64Binary>{known}</base64Binary></fileDigestList>")
        self.assertEqual(etree_local(p), "DownloadFilesResponse")
        fault = self.call("DownloadFiles", f"{cookie}<fileDigestList><base64Binary>{known}</base64Binary><base64Binary>"
                          f"{unknown}</base64Binary></fileDigestList>", expect_fault=True)
        self.assertEqual(fault.findtext("detail/ErrorCode"), "FileDigestsMissing")
        self.assertEqual(fault.findtext("detail/Message"), unknown)
        p = self.call("GetUpdateDecryptionData", f"{cookie}<updateIds><UpdateIdentity><UpdateID>{LEAF}</UpdateID>"
                      "<RevisionNumber>200</RevisionNumber></UpdateIdentity></updateIds>")
        self.assertEqual([d.text for d in p.findall(".//s:ServerSyncFileDecryption/s:FileDigest", namespaces=NS)], [known])
        self.assertIsNone(p.find(".//s:DecryptionKey", namespaces=NS))
        # Driver sets are Microsoft Update's: none here, and no ids may be asked for (GetConfigData limits are 0).
        p = self.call("GetDriverIdList", f"{cookie}<filter><Categories /></filter>")
        self.assertTrue(p.findtext(".//s:Anchor", namespaces=NS))
        self.assertEqual(p.findall(".//s:NewDriverSets/s:guid", namespaces=NS), [])
        fault = self.call("GetDriverIdList", f"{cookie}<filter><ComputerIds><IdAndDelta><Id>{uuid.uuid4()}</Id>"
                          "<Delta>false</Delta></IdAndDelta></ComputerIds></filter>", expect_fault=True)
        self.assertEqual(fault.findtext("detail/ErrorCode"), "InvalidParameters")
        p = self.call("GetDriverSetData", f"{cookie}<driverSets />")
        self.assertEqual(etree_local(p), "GetDriverSetDataResponse")
        fault = self.call("GetDriverSetData", f"{cookie}<driverSets><guid>{uuid.uuid4()}</guid></driverSets>",
                          expect_fault=True)
        self.assertEqual(fault.findtext("detail/Message"), "driverSets")
        mon = "http://www.microsoft.com/SoftwareDistribution/Server/IMonitorable"
        p = self.call("Ping", "<pingLevel>0</pingLevel>", ns=mon)
        self.assertEqual(p.findtext(f".//{{{mon}}}SuccessFlag"), "true")

    def unpack(self, payload):
        blob = base64.b64decode(payload.findtext(".//s:XmlUpdateBlobCompressed", namespaces=NS))
        with tempfile.TemporaryDirectory() as d:
            cab = os.path.join(d, "x.cab")
            with open(cab, "wb") as f:
                f.write(blob)
            subprocess.run(["cabextract", "-q", "-d", d, cab], check=True, capture_output=True)
            names = sorted(os.listdir(d))
            self.assertEqual(names, ["blob", "x.cab"])
            with open(os.path.join(d, "blob"), "rb") as f:
                return f.read().decode("utf-16-le")


def seed(server, *args):
    r = subprocess.run([SEED_BIN, server.data_dir, *args], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout.strip()


class ReplicaDeploymentsTest(unittest.TestCase):
    """GetDeployments: groups and approvals for replica servers, with dead deployments and hidden updates."""

    def test_changed_approvals_and_declines_reach_a_replica(self):
        with tempfile.TemporaryDirectory(prefix="wsusd-deploy-") as tmp:
            server = Wsusd(data_dir=os.path.join(tmp, "data"))
            os.makedirs(server.data_dir)
            import_docs(server, DOCS)
            with server:
                dss = Downstream(server).handshake()
                sync_anchor, _ = dss.revision_ids()
                ring = seed(server, "group", "Ring 1")
                seed(server, "approve", LEAF, "Ring 1", "install", "2030-01-01T00:00:00Z")
                p = dss.deployments(sync_anchor)
                groups = {g.findtext("s:Name", namespaces=NS): g for g in p.findall(".//s:ServerSyncTargetGroup", namespaces=NS)}
                self.assertEqual(set(groups), {"All Computers", "Unassigned Computers", "Ring 1"})
                self.assertEqual(groups["Ring 1"].findtext("s:TargetGroupID", namespaces=NS), ring)
                self.assertEqual(groups["Ring 1"].findtext("s:IsBuiltin", namespaces=NS), "false")
                deps = p.findall(".//s:Deployments/s:ServerSyncDeployment", namespaces=NS)
                self.assertEqual(len(deps), 1)
                first_guid = deps[0].findtext("s:DeploymentGuid", namespaces=NS)
                self.assertEqual(deps[0].findtext("s:UpdateId", namespaces=NS), LEAF)
                self.assertEqual(deps[0].findtext("s:Action", namespaces=NS), "0")
                self.assertTrue(deps[0].findtext("s:Deadline", namespaces=NS).startswith("2030-01-01T00:00:00"))
                self.assertEqual(deps[0].findtext("s:TargetGroupId", namespaces=NS), ring)
                anchor = p.findtext(".//s:Anchor", namespaces=NS)
                # Nothing changed: nothing new, nothing dead.
                p = dss.deployments(sync_anchor, anchor)
                self.assertEqual(p.findall(".//s:Deployments/s:ServerSyncDeployment", namespaces=NS), [])
                self.assertEqual(p.findall(".//s:DeadDeployments/s:guid", namespaces=NS), [])
                # The approval changes: a new deployment GUID, the old one dead; a decline is hidden.
                seed(server, "approve", LEAF, "Ring 1", "uninstall")
                seed(server, "decline", "7366a74a-ef29-44e1-b738-570b516aca1f")
                p = dss.deployments(sync_anchor, anchor)
                deps = p.findall(".//s:Deployments/s:ServerSyncDeployment", namespaces=NS)
                self.assertEqual(len(deps), 1)
                self.assertEqual(deps[0].findtext("s:Action", namespaces=NS), "1")
                self.assertEqual(deps[0].findtext("s:Deadline", namespaces=NS), "9999-12-31T23:59:59.9999999")
                self.assertNotEqual(deps[0].findtext("s:DeploymentGuid", namespaces=NS), first_guid)
                self.assertEqual([g.text for g in p.findall(".//s:DeadDeployments/s:guid", namespaces=NS)], [first_guid])
                self.assertEqual([g.text for g in p.findall(".//s:HiddenUpdates/s:guid", namespaces=NS)],
                                 ["7366a74a-ef29-44e1-b738-570b516aca1f"])
                # Withdrawn: only a dead GUID.
                anchor = p.findtext(".//s:Anchor", namespaces=NS)
                second_guid = deps[0].findtext("s:DeploymentGuid", namespaces=NS)
                seed(server, "approve", LEAF, "Ring 1", "notapproved")
                p = dss.deployments(sync_anchor, anchor)
                self.assertEqual(p.findall(".//s:Deployments/s:ServerSyncDeployment", namespaces=NS), [])
                self.assertEqual([g.text for g in p.findall(".//s:DeadDeployments/s:guid", namespaces=NS)], [second_guid])
                fault = dss.post(SS_PATH, SD + "/GetDeployments", dss.with_cookie(
                    f'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetDeployments '
                    f'xmlns="{SD}"><cookie></cookie><syncAnchor>garbage</syncAnchor></GetDeployments></soap:Body>'
                    '</soap:Envelope>'), expect_fault=True)[0]
                self.assertEqual(fault.findtext("detail/Message"), "syncAnchor")


class AnchorProtocolTest(unittest.TestCase):
    """A downstream sync, changes upstream, a second sync that gets exactly the changes."""

    def test_second_call_gets_exactly_the_changes(self):
        with tempfile.TemporaryDirectory(prefix="wsusd-anchor-") as tmp:
            server = Wsusd(data_dir=os.path.join(tmp, "data"))
            os.makedirs(server.data_dir)
            import_docs(server, DOCS)
            with server:
                dss = Downstream(server).handshake()
                anchor, first = dss.revision_ids()
                self.assertEqual({u for u, _ in first}, {LEAF, "7366a74a-ef29-44e1-b738-570b516aca1f",
                                                         "1f9bd9bb-7390-4aa3-bbdb-ded99fac2583"})
                config_anchor, cats = dss.revision_ids(config=True)
                self.assertEqual(dss.revision_ids(anchor=anchor)[1], [], "nothing changed yet")
                # Changes: a new update, a new revision of an existing one, a declined update.
                new_id = str(uuid.uuid4())
                folder = os.path.join(tmp, "new")
                os.makedirs(folder)
                with open(os.path.join(folder, "new.xml"), "w") as f:
                    f.write(small_document(new_id))
                with open(os.path.join(folder, "rev.xml"), "w") as f:
                    doc = open(os.path.join(DOCS, f"{LEAF}-r200.xml"), encoding="utf-8").read()
                    f.write(doc.replace('RevisionNumber="200"', 'RevisionNumber="201"', 1))
                import_docs(server, folder)
                subprocess.run([SEED_BIN, server.data_dir, "decline", "1f9bd9bb-7390-4aa3-bbdb-ded99fac2583"],
                               check=True, capture_output=True, timeout=60)
                anchor2, changed = dss.revision_ids(anchor=anchor)
                self.assertEqual(sorted(changed), sorted([(new_id, 100), (LEAF, 201),
                                                          ("1f9bd9bb-7390-4aa3-bbdb-ded99fac2583", 200)]))
                self.assertEqual(dss.revision_ids(anchor=anchor2)[1], [], "and then nothing again")
                self.assertEqual(dss.revision_ids(anchor=config_anchor, config=True)[1], [],
                                 "no category changed")


if __name__ == "__main__":
    unittest.main()
