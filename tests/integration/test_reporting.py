"""End-to-end: ReportEventBatch with the real client events decoded in
../shared/captures/wsus-m0-reports/native-install-events.json (see captures/PROVENANCE.md)."""
import json
import os
import sqlite3
import unittest
import uuid
from xml.sax.saxutils import escape

import soapcheck
from wsusd_harness import SHARED_DIR, Wsusd, soap_post
from wusp_client import ACTION, WuaClient, template
from wsusd_harness import CLIENT_PATH

REPORTING_PATH = "/ReportingWebService/ReportingWebService.asmx"
SD = "http://www.microsoft.com/SoftwareDistribution"
EVENTS = os.path.join(SHARED_DIR, "captures", "wsus-m0-reports", "native-install-events.json")


def text(e, key, default=""):
    v = e.get(key)
    return escape(str(v)) if v is not None else default


def event_xml(e, instance_id):
    update_id, rev = e["update"].split("@")
    misc = "".join(f"<string>{escape(m)}</string>" for m in e.get("misc_data", []))
    repl = "".join(f"<string>{escape(r)}</string>" for r in e.get("replacement_strings", []))
    osv = e.get("os_version") or {"Major": 10, "Minor": 0, "Build": 0, "Revision": 0, "ServicePackMajor": 0,
                                  "ServicePackMinor": 0}
    return (f"<ReportingEvent><BasicData><TargetID><Sid>{uuid.uuid4()}</Sid></TargetID>"
            f"<SequenceNumber>{e['sequence_number']}</SequenceNumber><TimeAtTarget>{e['time_at_target']}</TimeAtTarget>"
            f"<EventInstanceID>{instance_id}</EventInstanceID><NamespaceID>{e['namespace_id']}</NamespaceID>"
            f"<EventID>{e['event_id']}</EventID><SourceID>{e['source_id']}</SourceID>"
            f"<UpdateID><UpdateID>{update_id}</UpdateID><RevisionNumber>{rev}</RevisionNumber></UpdateID>"
            f"<Win32HResult>{e['win32_hresult']}</Win32HResult><AppName>{text(e, 'basic_app_name')}</AppName>"
            f"</BasicData><ExtendedData><ReplacementStrings>{repl}</ReplacementStrings><MiscData>{misc}</MiscData>"
            f"<ComputerBrand>{text(e, 'computer_brand')}</ComputerBrand>"
            f"<ComputerModel>{text(e, 'computer_model')}</ComputerModel>"
            f"<BiosRevision>{text(e, 'bios_revision')}</BiosRevision>"
            f"<ProcessorArchitecture>{text(e, 'processor_architecture', 'Amd64Compatible')}</ProcessorArchitecture>"
            f"<OSVersion><Major>{osv['Major']}</Major><Minor>{osv['Minor']}</Minor><Build>{osv['Build']}</Build>"
            f"<Revision>{osv['Revision']}</Revision><ServicePackMajor>{osv['ServicePackMajor']}</ServicePackMajor>"
            f"<ServicePackMinor>{osv['ServicePackMinor']}</ServicePackMinor></OSVersion>"
            f"<OSLocaleID>{text(e, 'os_locale_id', '1033')}</OSLocaleID><DeviceID /></ExtendedData>"
            f"<PrivateData /></ReportingEvent>")


def batch_request(client, events_xml):
    return (f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
            f'<soap:Body><ReportEventBatch xmlns="{SD}"><cookie><Expiration>{client.cookie_expiration}</Expiration>'
            f'<EncryptedData>{client.cookie_data}</EncryptedData></cookie><clientTime>2026-10-06T14:56:40.923Z</clientTime>'
            f'<eventBatch>{events_xml}</eventBatch></ReportEventBatch></soap:Body></soap:Envelope>')


class ReportingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Wsusd().start()
        with open(EVENTS) as f:
            cls.batches = json.load(f)["batches"]

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def registered(self):
        c = WuaClient(self.server.http()).handshake()
        c.call(CLIENT_PATH, ACTION + "RegisterComputer", c.with_cookie(template(4)))
        return c

    def post(self, body):
        status, headers, data = soap_post(self.server.http(), REPORTING_PATH, body.encode(), SD + "/ReportEventBatch")
        return status, soapcheck.validate(data, reporting=True)

    def stored_events(self, client_id):
        db = sqlite3.connect(f"file:{self.server.data_dir}/wsusd.db?mode=ro", uri=True)
        try:
            return db.execute("SELECT COUNT(*) FROM client_event e JOIN computer c ON c.id = e.computer_id "
                              "WHERE c.client_id = ?", (client_id,)).fetchone()[0]
        finally:
            db.close()

    def test_real_events_are_stored_once_and_answered_true(self):
        c = self.registered()
        total = 0
        for b in self.batches:
            events = "".join(event_xml(e, uuid.uuid4()) for e in b["events"])
            body = batch_request(c, events)
            status, payload = self.post(body)
            self.assertEqual(status, 200)
            self.assertEqual(payload.findtext(f"{{{SD}}}ReportEventBatchResult"), "true")
            total += len(b["events"])
            # A retried batch (same instance ids) is answered true and stores nothing twice.
            status, payload = self.post(body)
            self.assertEqual(status, 200)
        self.assertEqual(self.stored_events(c.client_id), total)
        # The status a WSUS administrator would see: the .NET update installed, pending reboot (201 with
        # WU_S_REBOOT_REQUIRED), the MSI test updates failed with 0x80246007.
        status = self.statuses(c.client_id)
        self.assertEqual(status["88661612-7dd9-49d4-bb34-1e54802c99b9"], (5, 2359301))
        self.assertEqual(status["b3201129-7087-42ee-a3f7-2a3b44965ee5"], (6, -2145099769))
        self.assertEqual(status["d2f6f81e-0633-41dc-a073-9975148ca7a2"], (6, -2145099769))

    def statuses(self, client_id):
        db = sqlite3.connect(f"file:{self.server.data_dir}/wsusd.db?mode=ro", uri=True)
        try:
            rows = db.execute("SELECT s.update_id, s.state, s.win32_hresult FROM update_status s JOIN computer c "
                              "ON c.id = s.computer_id WHERE c.client_id = ?", (client_id,)).fetchall()
            return {u: (st, hr) for u, st, hr in rows}
        finally:
            db.close()

    def test_malformed_event_refuses_the_whole_batch(self):
        c = self.registered()
        good = event_xml(self.batches[0]["events"][0], uuid.uuid4())
        bad = event_xml(self.batches[0]["events"][0], "not-a-guid")
        status, payload = self.post(batch_request(c, good + bad))
        self.assertEqual(status, 500)
        self.assertEqual(payload.findtext("detail/ErrorCode"), "InvalidParameters")
        self.assertEqual(self.stored_events(c.client_id), 0)

    def test_bad_cookie_and_unregistered(self):
        c = WuaClient(self.server.http()).handshake()
        ev = event_xml(self.batches[0]["events"][0], uuid.uuid4())
        status, payload = self.post(batch_request(c, ev))
        self.assertEqual(payload.findtext("detail/ErrorCode"), "RegistrationRequired")
        c.cookie_data = "AAAA" * 20
        status, payload = self.post(batch_request(c, ev))
        self.assertEqual(payload.findtext("detail/ErrorCode"), "InvalidCookie")


if __name__ == "__main__":
    unittest.main()
