"""End-to-end: the whole WUA scan over HTTP against a real wsusd whose catalog holds the real update
documents (../shared/captures/wsus-m0-wsusss/docs), driven with the real client's captured requests
(../shared/captures/wsus-m0-native/scan; see captures/PROVENANCE.md). Every response is validated
against schema/ and compared in shape with what the real server answered."""
import os
import re
import subprocess
import unittest

import soapcheck
from wsusd_harness import CLIENT_NS, CLIENT_PATH, SHARED_DIR, WSUSD_BIN, Wsusd, read_capture
from wusp_client import ACTION, WuaClient, template

SEED_BIN = os.environ.get("WSUSD_SEED_BIN", "build/tests/integration/wsusd-test-seed")
DOCS = os.path.join(SHARED_DIR, "captures", "wsus-m0-wsusss", "docs")
COMPANY = "56309036-4c77-4dd9-951a-99ee9c246a94"   # Microsoft (Company category, no prerequisites)
FAMILY = "6964aab4-c5b5-43bd-a17d-ffb4346a8e1d"    # Windows (ProductFamily, requires the company)
NS = {"c": CLIENT_NS}


def seed(server, *args):
    subprocess.run([SEED_BIN, server.data_dir, *args], check=True, capture_output=True, text=True, timeout=60)


def real_payload(n):
    return soapcheck.payload_of(read_capture("wsus-m0-native", "scan", f"{n:06d}", "response.body"))


def ints(name, ids):
    return f"<{name}>" + "".join(f"<int>{i}</int>" for i in ids) + f"</{name}>"


class ScanTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Wsusd()
        os.makedirs(cls.server.data_dir, exist_ok=True)
        r = subprocess.run([WSUSD_BIN, "catalog", "import", DOCS, "--data-dir", cls.server.data_dir, "--quiet"],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        cls.server.start()
        # The product family is deployed: the company category comes with it as a dependency.
        seed(cls.server, "approve", FAMILY, "All Computers", "install")

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def registered_client(self):
        c = WuaClient(self.server.http()).handshake()
        c.call(CLIENT_PATH, ACTION + "RegisterComputer", c.with_cookie(template(4)))
        return c

    def sync(self, c, body):
        p = c.call(CLIENT_PATH, ACTION + "SyncUpdates", c.with_cookie(body))
        new_cookie = p.findtext(".//c:NewCookie/c:EncryptedData", namespaces=NS)
        if new_cookie:
            c.cookie_data = new_cookie
        return p

    def test_register_matches_real_response(self):
        c = WuaClient(self.server.http()).handshake()
        p = c.call(CLIENT_PATH, ACTION + "RegisterComputer", c.with_cookie(template(4)))
        self.assertEqual(soapcheck.unique_paths(p), soapcheck.unique_paths(real_payload(4)))

    def test_unregistered_client_is_told_to_register(self):
        c = WuaClient(self.server.http()).handshake()
        from wusp_client import Fault
        with self.assertRaises(Fault) as f:
            self.sync(c, template(6))
        self.assertEqual(f.exception.error_code, "RegistrationRequired")

    def test_layered_scan_like_the_real_server(self):
        c = self.registered_client()
        # Page 1 (real 000006): the root category, as Evaluate.
        p1 = self.sync(c, template(6))
        self.assertEqual(soapcheck.unique_paths(p1), soapcheck.unique_paths(real_payload(6)))
        ids1 = [int(x) for x in p1.xpath(".//c:NewUpdates/c:UpdateInfo/c:ID/text()", namespaces=NS)]
        self.assertEqual(len(ids1), 1)
        self.assertEqual(p1.findtext(".//c:Deployment/c:Action", namespaces=NS), "Evaluate")
        xml1 = p1.findtext(".//c:UpdateInfo/c:Xml", namespaces=NS)
        real_xml1 = real_payload(6).findtext(".//c:UpdateInfo/c:Xml", namespaces=NS)
        self.assertEqual(xml1, real_xml1, "Core fragment of the company category differs from real WSUS")
        self.assertEqual(p1.findtext(".//c:IsLeaf", namespaces=NS), "false")
        # Page 2 (real 000007): the client reports the company installed; the family follows.
        body2 = re.sub(r"<InstalledNonLeafUpdateIDs>.*?</InstalledNonLeafUpdateIDs>",
                       ints("InstalledNonLeafUpdateIDs", ids1), template(7), flags=re.S)
        p2 = self.sync(c, body2)
        self.assertEqual(soapcheck.unique_paths(p2), soapcheck.unique_paths(real_payload(7)))
        self.assertEqual(p2.findtext(".//c:Deployment/c:Action", namespaces=NS), "Install")
        self.assertEqual(p2.findtext(".//c:UpdateInfo/c:Xml", namespaces=NS),
                         real_payload(7).findtext(".//c:UpdateInfo/c:Xml", namespaces=NS))
        ids2 = [int(x) for x in p2.xpath(".//c:NewUpdates/c:UpdateInfo/c:ID/text()", namespaces=NS)]
        # Page 3 (request as real 000008): our catalog holds nothing below the family, so the answer is an
        # empty page, shaped like the real server's empty answer (000009).
        body3 = re.sub(r"<InstalledNonLeafUpdateIDs>.*?</InstalledNonLeafUpdateIDs>",
                       ints("InstalledNonLeafUpdateIDs", ids1 + ids2), template(8), flags=re.S)
        p3 = self.sync(c, body3)
        self.assertIsNone(p3.find(".//c:NewUpdates/c:UpdateInfo", namespaces=NS))
        self.assertEqual(soapcheck.unique_paths(p3), soapcheck.unique_paths(real_payload(9)))
        # Driver pass (real 000009, with its 70-device SystemSpec): nothing approved, same answer shape.
        body4 = re.sub(r"<InstalledNonLeafUpdateIDs>.*?</InstalledNonLeafUpdateIDs>",
                       ints("InstalledNonLeafUpdateIDs", ids1 + ids2), template(9), flags=re.S)
        p4 = self.sync(c, body4)
        self.assertEqual(soapcheck.unique_paths(p4), soapcheck.unique_paths(real_payload(9)))
        # Extended info (real 000010) for the two categories: the same fragments real WSUS sent.
        body5 = re.sub(r"<revisionIDs>.*?</revisionIDs>", ints("revisionIDs", ids1 + ids2), template(10), flags=re.S)
        p5 = c.call(CLIENT_PATH, ACTION + "GetExtendedUpdateInfo", c.with_cookie(body5))
        self.assertEqual(soapcheck.unique_paths(p5), soapcheck.unique_paths(real_payload(10)))
        ours = [u.findtext("c:Xml", namespaces=NS) for u in p5.findall(".//c:Update", namespaces=NS)]
        real = [u.findtext("c:Xml", namespaces=NS) for u in real_payload(10).findall(".//c:Update", namespaces=NS)]
        for fragment in ours:
            self.assertIn(fragment, real)
        self.assertEqual(len(ours), 4)  # extended + localized for each of the two categories

    def test_xpress_on_the_wire_when_asked(self):
        c = self.registered_client()
        from wsusd_harness import soap_post
        status, headers, body = soap_post(self.server.http(), CLIENT_PATH, c.with_cookie(template(6)).encode(),
                                          ACTION + "SyncUpdates", headers={"Accept-Encoding": "xpress"})
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("content-encoding"), "xpress")
        self.assertEqual(headers.get("vary"), "Accept-Encoding")

    def test_decline_withdraws_from_clients(self):
        with Wsusd() as other:
            subprocess.run([WSUSD_BIN, "catalog", "import", DOCS, "--data-dir", other.data_dir, "--quiet"],
                           check=True, capture_output=True, timeout=120)
            seed(other, "approve", FAMILY, "All Computers", "install")
            c = WuaClient(other.http()).handshake()
            c.call(CLIENT_PATH, ACTION + "RegisterComputer", c.with_cookie(template(4)))
            p1 = self.sync(c, template(6))
            ids1 = [int(x) for x in p1.xpath(".//c:NewUpdates/c:UpdateInfo/c:ID/text()", namespaces=NS)]
            body2 = re.sub(r"<InstalledNonLeafUpdateIDs>.*?</InstalledNonLeafUpdateIDs>",
                           ints("InstalledNonLeafUpdateIDs", ids1), template(7), flags=re.S)
            p2 = self.sync(c, body2)
            ids2 = [int(x) for x in p2.xpath(".//c:NewUpdates/c:UpdateInfo/c:ID/text()", namespaces=NS)]
            seed(other, "decline", FAMILY)
            body3 = re.sub(r"<InstalledNonLeafUpdateIDs>.*?</InstalledNonLeafUpdateIDs>",
                           ints("InstalledNonLeafUpdateIDs", ids1 + ids2), template(8), flags=re.S)
            p3 = self.sync(c, body3)
            out = {int(x) for x in p3.xpath(".//c:OutOfScopeRevisionIDs/c:int/text()", namespaces=NS)}
            self.assertEqual(out, set(ids1 + ids2), "declining the deployed update withdraws it and its dependency")


if __name__ == "__main__":
    unittest.main()
