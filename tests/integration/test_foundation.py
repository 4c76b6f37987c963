"""End-to-end tests of the daemon skeleton: real wsusd processes on loopback, driven over HTTP(S).

Reads ../shared/captures (see captures/PROVENANCE.md) for real requests and responses to compare with.
"""
import gzip
import os
import signal
import socket
import subprocess
import time
import unittest

import soapcheck
from wsusd_harness import (CLIENT_PATH, CLIENT_NS, WSUSD_BIN, Wsusd, raw_request, read_capture, soap_post)

GETCONFIG_ACTION = "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/GetConfig"
GETCONFIG_REQ = read_capture("wsus-m0-native", "scan", "000001", "request.body")
GETCONFIG_REAL = read_capture("wsus-m0-native", "scan", "000001", "response.body")
GETCONFIG_SOAP12 = (b'<?xml version="1.0" encoding="utf-8"?><soap12:Envelope '
                    b'xmlns:soap12="http://www.w3.org/2003/05/soap-envelope"><soap12:Body><GetConfig xmlns="'
                    + CLIENT_NS.encode() + b'"><protocolVersion>1.8</protocolVersion></GetConfig></soap12:Body>'
                    b'</soap12:Envelope>')


def property_names(payload):
    ns = {"c": CLIENT_NS}
    return [e.text for e in payload.findall(".//c:ConfigurationProperty/c:Name", ns)]


class ServerTest(unittest.TestCase):
    """One server shared by the read-only tests of this class."""

    @classmethod
    def setUpClass(cls):
        cls.server = Wsusd().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def get_config(self, conn, **kw):
        return soap_post(conn, CLIENT_PATH, GETCONFIG_REQ, GETCONFIG_ACTION, **kw)

    def assert_serving(self):
        status, _, body = self.get_config(self.server.http())
        self.assertEqual(status, 200, body)
        soapcheck.validate(body)

    def test_get_config_http_matches_real_server(self):
        status, headers, body = self.get_config(self.server.http())
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "text/xml; charset=utf-8")
        self.assertEqual(headers["cache-control"], "private")
        self.assertEqual(headers["vary"], "Accept-Encoding")
        ours = soapcheck.validate(body)
        real = soapcheck.payload_of(GETCONFIG_REAL)
        self.assertEqual(soapcheck.unique_paths(ours), soapcheck.unique_paths(real))
        real_props = [n for n in property_names(real) if n != "PackageServerShare"]  # site-specific, unset here
        self.assertEqual(property_names(ours), real_props)
        # Same framing as the real Client service: WCF-style envelope, no XML declaration.
        self.assertTrue(body.startswith(b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'))
        ns = {"c": CLIENT_NS}
        self.assertEqual(ours.find(".//c:PlugInID", ns).text, "SimpleTargeting")
        self.assertEqual(ours.find(".//c:ServiceUrl", ns).text, "SimpleAuthWebService/SimpleAuth.asmx")
        self.assertRegex(ours.find(".//c:LastChange", ns).text, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$")

    def test_get_config_https_verified(self):
        status, _, body = self.get_config(self.server.https())
        self.assertEqual(status, 200)
        soapcheck.validate(body)

    def test_soap12_request_gets_soap12_response(self):
        status, headers, body = soap_post(self.server.http(), CLIENT_PATH, GETCONFIG_SOAP12, GETCONFIG_ACTION,
                                          soap12=True)
        self.assertEqual(status, 200, body)
        self.assertTrue(headers["content-type"].startswith("application/soap+xml"))
        self.assertIn(b'xmlns:s="http://www.w3.org/2003/05/soap-envelope"', body)
        soapcheck.validate(body)

    def test_paths_case_insensitive_and_double_slash(self):
        for path in ["//ClientWebService/client.asmx", "/clientwebservice/CLIENT.ASMX"]:
            status, _, body = soap_post(self.server.http(), path, GETCONFIG_REQ, GETCONFIG_ACTION)
            self.assertEqual(status, 200, path)
            soapcheck.validate(body)

    def test_keep_alive_serves_many_requests_on_one_connection(self):
        conn = self.server.http()
        for _ in range(20):
            status, _, _ = self.get_config(conn)
            self.assertEqual(status, 200)
        conn.close()

    def test_malformed_and_truncated_xml_get_one_fault_and_server_stays_up(self):
        bad_bodies = [
            GETCONFIG_REQ[: len(GETCONFIG_REQ) // 2],  # truncated
            b"this is not xml",
            b"<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'><s:Body><GetConfig xmlns='"
            + CLIENT_NS.encode() + b"'><protocolVersion>1</wrong></GetConfig></s:Body></s:Envelope>",
            b"<notsoap/>",
            b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;&a;&a;'>]><x>&b;</x>",
        ]
        for bad in bad_bodies:
            status, headers, body = soap_post(self.server.http(), CLIENT_PATH, bad, GETCONFIG_ACTION)
            self.assertEqual(status, 500, bad)
            fault = soapcheck.validate(body)
            self.assertEqual(fault.tag, "{http://schemas.xmlsoap.org/soap/envelope/}Fault")
            self.assertEqual(body.count(b"<soap:Fault>"), 1, "exactly one fault envelope")
            self.assertEqual(fault.find("faultcode").text, "soap:Client")
        self.assert_serving()

    def test_unknown_operation_fault(self):
        req = (b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
               b'<Frobnicate xmlns="urn:nothing"/></s:Body></s:Envelope>')
        status, _, body = soap_post(self.server.http(), CLIENT_PATH, req, "urn:nothing/Frobnicate")
        self.assertEqual(status, 500)
        fault = soapcheck.validate(body)
        self.assertIn("Frobnicate", fault.find("faultstring").text)
        self.assert_serving()

    def test_deep_nesting_rejected(self):
        deep = b"<a>" * 5000 + b"</a>" * 5000
        req = (b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><GetConfig xmlns="'
               + CLIENT_NS.encode() + b'"><protocolVersion>' + deep + b"</protocolVersion></GetConfig></s:Body>"
               b"</s:Envelope>")
        status, _, body = soap_post(self.server.http(), CLIENT_PATH, req, GETCONFIG_ACTION)
        self.assertEqual(status, 500)
        soapcheck.validate(body)
        self.assert_serving()

    def test_oversized_body_gets_413(self):
        huge = b"<x>" + b"a" * (17 * 1024 * 1024) + b"</x>"
        conn = self.server.http(timeout=30)
        try:
            status, _, _ = soap_post(conn, CLIENT_PATH, huge, GETCONFIG_ACTION)
        except (BrokenPipeError, ConnectionResetError):
            status = 413  # the server may close before the whole body is sent; checked below via raw request
        self.assertEqual(status, 413)
        answer = raw_request(self.server.ports["http"],
                             b"POST /ClientWebService/client.asmx HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n"
                             b"Content-Type: text/xml\r\n\r\n")
        self.assertTrue(answer.startswith(b"HTTP/1.1 413"), answer[:100])
        self.assert_serving()

    def test_oversized_headers_get_431(self):
        answer = raw_request(self.server.ports["http"],
                             b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
        self.assertTrue(answer.startswith(b"HTTP/1.1 431"), answer[:100])
        self.assert_serving()

    def test_garbage_request_line_gets_400(self):
        answer = raw_request(self.server.ports["http"], b"\x16\x03\x01 not http at all\r\n\r\n")
        self.assertTrue(answer.startswith(b"HTTP/1.1 400") or answer == b"", answer[:100])
        self.assert_serving()

    def test_expect_100_continue(self):
        s = socket.create_connection(("127.0.0.1", self.server.ports["http"]), timeout=5)
        head = (f"POST {CLIENT_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml; charset=utf-8\r\n"
                f"SOAPAction: \"{GETCONFIG_ACTION}\"\r\nContent-Length: {len(GETCONFIG_REQ)}\r\n"
                "Expect: 100-continue\r\n\r\n").encode()
        s.sendall(head)
        first = s.recv(4096)
        self.assertTrue(first.startswith(b"HTTP/1.1 100 Continue"), first)
        s.sendall(GETCONFIG_REQ)
        rest = b""
        while b"</s:Envelope>" not in rest:
            chunk = s.recv(65536)
            if not chunk:
                break
            rest += chunk
        s.close()
        self.assertTrue(rest.startswith(b"HTTP/1.1 200"), rest[:100])

    def test_get_on_soap_endpoint_is_405_and_unknown_path_404(self):
        conn = self.server.http()
        conn.request("GET", CLIENT_PATH)
        r = conn.getresponse()
        r.read()
        self.assertEqual(r.status, 405)
        conn.request("GET", "/no/such/thing")
        r = conn.getresponse()
        r.read()
        self.assertEqual(r.status, 404)

    def test_gzip_when_asked(self):
        status, headers, body = self.get_config(self.server.http(), headers={"Accept-Encoding": "gzip"})
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("content-encoding"), "gzip")
        soapcheck.validate(gzip.decompress(body))

    def test_xpress_when_asked_and_identity_otherwise(self):
        status, headers, body = self.get_config(self.server.http(), headers={"Accept-Encoding": "xpress"})
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("content-encoding"), "xpress")
        self.assertLess(len(body), len(GETCONFIG_REAL))
        status, headers, body = self.get_config(self.server.http())
        self.assertNotIn("content-encoding", headers)
        soapcheck.validate(body)

    def test_admin_health_on_loopback(self):
        conn = self.server.admin()
        conn.request("GET", "/health")
        r = conn.getresponse()
        self.assertEqual(r.status, 200)
        self.assertIn(b'"status"', r.read())


class LifecycleTest(unittest.TestCase):
    def test_sigterm_finishes_in_flight_request_and_exits_cleanly(self):
        with Wsusd() as server:
            s = socket.create_connection(("127.0.0.1", server.ports["http"]), timeout=10)
            head = (f"POST {CLIENT_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
                    f"Content-Length: {len(GETCONFIG_REQ)}\r\n\r\n").encode()
            s.sendall(head + GETCONFIG_REQ[:50])  # request in flight: header read, body incomplete
            time.sleep(0.3)
            server.proc.send_signal(signal.SIGTERM)
            time.sleep(0.3)
            s.sendall(GETCONFIG_REQ[50:])
            answer = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                answer += chunk
            s.close()
            self.assertTrue(answer.startswith(b"HTTP/1.1 200"), answer[:200])
            self.assertIn(b"Connection: close", answer)
            self.assertEqual(server.proc.wait(timeout=30), 0)
            self.assertIn("stopped cleanly", server.log())

    def test_second_start_reuses_data_dir_and_certificate(self):
        first = Wsusd()
        try:
            first.start()
            cert_path = os.path.join(first.data_dir, "tls", "server.crt")
            with open(cert_path, "rb") as f:
                cert = f.read()
            key_mode = os.stat(os.path.join(first.data_dir, "tls", "server.key")).st_mode & 0o777
            self.assertEqual(key_mode, 0o600)
            _, _, body1 = soap_post(first.http(), CLIENT_PATH, GETCONFIG_REQ, GETCONFIG_ACTION)
            self.assertEqual(first.stop(), 0)
            second = Wsusd(data_dir=first.data_dir)
            second.start()
            try:
                with open(cert_path, "rb") as f:
                    self.assertEqual(f.read(), cert, "certificate regenerated on second start")
                status, _, body2 = soap_post(second.https(), CLIENT_PATH, GETCONFIG_REQ, GETCONFIG_ACTION)
                self.assertEqual(status, 200)
                ns = {"c": CLIENT_NS}
                last1 = soapcheck.payload_of(body1).find(".//c:LastChange", ns).text
                last2 = soapcheck.payload_of(body2).find(".//c:LastChange", ns).text
                self.assertEqual(last1, last2, "LastChange must survive a restart when the config is unchanged")
            finally:
                second.stop()
        finally:
            first.close()

    def test_invalid_config_exits_2_naming_the_key(self):
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            cfg = os.path.join(tmp, "bad.toml")
            with open(cfg, "w") as f:
                f.write("[limits]\nmax_body_bytes = 10\n")
            r = subprocess.run([WSUSD_BIN, "serve", "--config", cfg, "--data-dir", os.path.join(tmp, "d")],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 2)
            self.assertIn("limits.max_body_bytes", r.stderr)
            with open(cfg, "w") as f:
                f.write("[server]\nhttp_prot = 1\n")
            r = subprocess.run([WSUSD_BIN, "config", "check", "--config", cfg], capture_output=True, text=True,
                               timeout=30)
            self.assertEqual(r.returncode, 2)
            self.assertIn("server.http_prot: unknown key", r.stderr)

    def test_key_rotation_keeps_clients_logged_in_and_loose_key_permissions_refused(self):
        from wusp_client import WuaClient, template
        from wsusd_harness import CLIENT_PATH
        from wusp_client import ACTION
        first = Wsusd()
        try:
            first.start()
            c = WuaClient(first.http()).handshake()
            self.assertEqual(first.stop(), 0)
            r = subprocess.run([WSUSD_BIN, "keys", "rotate", "--data-dir", first.data_dir], capture_output=True,
                               text=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            second = Wsusd(data_dir=first.data_dir).start()
            try:
                c.conn = second.http()
                # The cookie sealed with the old key still works after the rotation.
                c.call(CLIENT_PATH, ACTION + "RegisterComputer", c.with_cookie(template(4)))
            finally:
                second.stop()
            key = os.path.join(first.data_dir, "keys", "cookie.keys")
            os.chmod(key, 0o644)
            third = Wsusd(data_dir=first.data_dir)
            with self.assertRaises(RuntimeError) as e:
                third.start(timeout=10)
            self.assertIn("chmod 600", str(e.exception))
        finally:
            first.close()

    def test_slow_header_is_cut_off_and_others_are_served(self):
        with Wsusd(config_text="[limits]\nheader_timeout_seconds = 1\n") as server:
            slow = socket.create_connection(("127.0.0.1", server.ports["http"]), timeout=10)
            idle = socket.create_connection(("127.0.0.1", server.ports["http"]), timeout=10)
            slow.sendall(b"POST /ClientWebService/client.asmx HTTP/1.1\r\nHost: x\r\n")
            time.sleep(0.5)
            slow.sendall(b"X-Trickle: 1\r\n")
            status, _, _ = soap_post(server.http(), CLIENT_PATH, GETCONFIG_REQ, GETCONFIG_ACTION)
            self.assertEqual(status, 200, "a well-behaved client is served meanwhile")
            started = time.time()
            self.assertEqual(slow.recv(4096), b"", "the trickling client is disconnected")
            self.assertLess(time.time() - started, 5)
            self.assertIn("header_timeout_seconds", server.wait_for_log("header_timeout_seconds"))
            # A connection that has sent nothing yet is only subject to the idle timeout.
            idle.sendall(b"POST /ClientWebService/client.asmx HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
                         b"Content-Length: " + str(len(GETCONFIG_REQ)).encode() + b"\r\n\r\n" + GETCONFIG_REQ)
            self.assertTrue(idle.recv(4096).startswith(b"HTTP/1.1 200"))
            slow.close()
            idle.close()

    def test_package_server_share_gives_real_property_list(self):
        with Wsusd(config_text='[client]\npackage_server_share = "\\\\\\\\srv\\\\UpdateServicesPackages"\n') as server:
            _, _, body = soap_post(server.http(), CLIENT_PATH, GETCONFIG_REQ, GETCONFIG_ACTION)
            ours = soapcheck.validate(body)
            self.assertEqual(property_names(ours), property_names(soapcheck.payload_of(GETCONFIG_REAL)))


if __name__ == "__main__":
    unittest.main()
