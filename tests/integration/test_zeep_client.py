"""A second, independent SOAP client (python3-zeep, driven purely by the WSDLs in wsdl/) calls every
operation of the SimpleAuth and Client services of a real wsusd."""
import os
import subprocess
import unittest
import uuid

import zeep
import zeep.exceptions
from zeep.transports import Transport

from wsusd_harness import SHARED_DIR, WSUSD_BIN, Wsusd

WSDL_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "wsdl")
DOCS = os.path.join(SHARED_DIR, "captures", "wsus-m0-wsusss", "docs")
SEED_BIN = os.environ.get("WSUSD_SEED_BIN", "build/tests/integration/wsusd-test-seed")
FAMILY = "6964aab4-c5b5-43bd-a17d-ffb4346a8e1d"


class ZeepTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Wsusd()
        os.makedirs(cls.server.data_dir, exist_ok=True)
        subprocess.run([WSUSD_BIN, "catalog", "import", DOCS, "--data-dir", cls.server.data_dir, "--quiet"],
                       check=True, capture_output=True, timeout=120)
        cls.server.start()
        subprocess.run([SEED_BIN, cls.server.data_dir, "approve", FAMILY, "All Computers", "install"], check=True,
                       timeout=60)
        base = f"http://127.0.0.1:{cls.server.ports['http']}"
        transport = Transport(timeout=10)
        cls.auth = zeep.Client(os.path.join(WSDL_DIR, "simpleauth.wsdl"), transport=transport).create_service(
            "{http://www.microsoft.com/SoftwareDistribution/Server/SimpleAuthWebService}SimpleAuthSoap",
            base + "/SimpleAuthWebService/SimpleAuth.asmx")
        cls.client = zeep.Client(os.path.join(WSDL_DIR, "client.wsdl"), transport=transport).create_service(
            "{http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService}ClientSoap",
            base + "/ClientWebService/client.asmx")

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def test_every_operation(self):
        c, a = self.client, self.auth
        config = c.GetConfig(protocolVersion="2.90")
        self.assertEqual(config.AuthInfo.AuthPlugInInfo[0].PlugInID, "SimpleTargeting")
        auth = a.GetAuthorizationCookie(clientId=str(uuid.uuid4()), targetGroupName=None, dnsName="zeep.example.test")
        cookie = c.GetCookie(authCookies={"AuthorizationCookie": [
            {"PlugInId": auth.PlugInId, "CookieData": auth.CookieData}]}, oldCookie=None, lastChange=config.LastChange,
                             currentTime=config.LastChange, protocolVersion="2.90")
        self.assertTrue(cookie.EncryptedData)
        c.RegisterComputer(cookie=cookie, computerInfo={
            "DnsName": "zeep.example.test", "OSMajorVersion": 10, "OSMinorVersion": 0, "OSBuildNumber": 26200,
            "OSServicePackMajorNumber": 0, "OSServicePackMinorNumber": 0, "OSLocale": "en-US",
            "ComputerManufacturer": "QEMU", "ComputerModel": "Q35", "BiosVersion": "1", "BiosName": "b",
            "BiosReleaseDate": "2022-02-02T00:00:00Z", "ProcessorArchitecture": "AMD64", "SuiteMask": 256,
            "OldProductType": 1, "NewProductType": 48, "SystemMetrics": 0, "ClientVersionMajorNumber": 1507,
            "ClientVersionMinorNumber": 2601, "ClientVersionBuildNumber": 30012, "ClientVersionQfeNumber": 0})
        scan = c.StartCategoryScan(requestedCategories={"CategoryRelationship": [
            {"IndexOfAndGroup": 0, "CategoryId": FAMILY}]})
        self.assertIsNotNone(scan)
        sync = c.SyncUpdates(cookie=cookie, parameters={"ExpressQuery": False, "SkipSoftwareSync": False})
        ids = [u.ID for u in sync.NewUpdates.UpdateInfo]
        self.assertEqual(len(ids), 1)
        sync2 = c.SyncUpdates(cookie=sync.NewCookie, parameters={
            "ExpressQuery": False, "SkipSoftwareSync": False, "InstalledNonLeafUpdateIDs": {"int": ids}})
        ids += [u.ID for u in sync2.NewUpdates.UpdateInfo]
        info = c.GetExtendedUpdateInfo(cookie=cookie, revisionIDs={"int": ids},
                                       infoTypes={"XmlUpdateFragmentType": ["Extended", "LocalizedProperties"]},
                                       locales={"string": ["en-US", "en"]})
        self.assertEqual(len(info.Updates.Update), 4)
        info2 = c.GetExtendedUpdateInfo2(cookie=cookie, updateIDs={"UpdateIdentity": [
            {"UpdateID": FAMILY, "RevisionNumber": 100}]}, infoTypes={"XmlUpdateFragmentType": ["Extended"]},
            locales=None)
        self.assertEqual(len(info2.Updates.Update), 1)
        files = c.GetFileLocations(cookie=cookie, fileDigests={"base64Binary": [b"\x00" * 20]})
        self.assertIsNotNone(files.NewCookie)
        refreshed = c.RefreshCache(cookie=cookie, globalIDs={"UpdateIdentity": [
            {"UpdateID": FAMILY, "RevisionNumber": 100}]})
        self.assertEqual(refreshed[0].RevisionID, ids[1])
        printers = c.SyncPrinterCatalog(cookie=cookie, installedNonLeafUpdateIDs=None, printerUpdateIDs=None)
        self.assertFalse(printers.Truncated)
        with self.assertRaises(zeep.exceptions.Fault) as f:
            c.SyncUpdates(cookie={"Expiration": cookie.Expiration, "EncryptedData": b"x" * 64},
                          parameters={"ExpressQuery": False, "SkipSoftwareSync": False})
        self.assertIn(b"InvalidCookie", zeep.helpers.etree.tostring(f.exception.detail) if f.exception.detail is not None else b"")


if __name__ == "__main__":
    unittest.main()
