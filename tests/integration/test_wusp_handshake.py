"""End-to-end: the WUA handshake (GetConfig → GetAuthorizationCookie → GetCookie) and cookie checks,
driven with the real client's captured requests (../shared/captures/wsus-m0-native/scan)."""
import base64
import unittest

import soapcheck
from wsusd_harness import CLIENT_NS, Wsusd, read_capture
from wusp_client import SIMPLEAUTH_NS, Fault, WuaClient, element_text


class HandshakeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Wsusd().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def client(self, **kw):
        return WuaClient(self.server.http(), **kw)

    def test_handshake_shapes_match_real_server(self):
        c = self.client()
        c.get_config()
        auth = c.get_authorization_cookie()
        real_auth = soapcheck.payload_of(read_capture("wsus-m0-native", "scan", "000002", "response.body"))
        self.assertEqual(soapcheck.unique_paths(auth), soapcheck.unique_paths(real_auth))
        self.assertEqual(element_text(auth, "PlugInId", SIMPLEAUTH_NS), "SimpleTargeting")
        cookie = c.get_cookie()
        real_cookie = soapcheck.payload_of(read_capture("wsus-m0-native", "scan", "000003", "response.body"))
        self.assertEqual(soapcheck.unique_paths(cookie), soapcheck.unique_paths(real_cookie))
        # Expiration with 7 fractional digits, like the real server.
        self.assertRegex(c.cookie_expiration, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$")
        base64.b64decode(c.cookie_data, validate=True)

    def test_simpleauth_response_framed_asmx_style(self):
        c = self.client()
        c.get_config()
        from wsusd_harness import soap_post
        from wusp_client import SIMPLEAUTH_PATH, replace_element, template
        body = replace_element(template(2), "clientId", c.client_id).encode()
        status, headers, data = soap_post(self.server.http(), SIMPLEAUTH_PATH, body,
                                          SIMPLEAUTH_NS + "/GetAuthorizationCookie")
        self.assertEqual(status, 200)
        self.assertTrue(data.startswith(b'<?xml version="1.0" encoding="utf-8"?><soap:Envelope'))
        self.assertEqual(headers["cache-control"], "private, max-age=0")

    def test_bad_client_id_is_invalid_parameters(self):
        c = self.client(client_id="not-a-guid")
        c.get_config()
        with self.assertRaises(Fault) as f:
            c.get_authorization_cookie()
        self.assertEqual(f.exception.error_code, "InvalidParameters")

    def test_tampered_authorization_cookie(self):
        c = self.client()
        c.get_config()
        c.get_authorization_cookie()
        raw = bytearray(base64.b64decode(c.auth_cookie))
        raw[-1] ^= 1
        c.auth_cookie = base64.b64encode(bytes(raw)).decode()
        with self.assertRaises(Fault) as f:
            c.get_cookie()
        self.assertEqual(f.exception.error_code, "InvalidAuthorizationCookie")

    def test_sanitized_real_cookie_is_refused(self):
        c = self.client()
        c.get_config()
        c.auth_cookie = "A" * 496  # the captured (sanitized) authorization cookie
        with self.assertRaises(Fault) as f:
            c.get_cookie()
        self.assertEqual(f.exception.error_code, "InvalidAuthorizationCookie")

    def test_stale_last_change_is_config_changed(self):
        c = self.client()
        c.get_config()
        c.get_authorization_cookie()
        with self.assertRaises(Fault) as f:
            c.get_cookie(last_change="2001-01-01T00:00:00Z")
        self.assertEqual(f.exception.error_code, "ConfigChanged")
        self.assertEqual(f.exception.status, 500)

    def test_cookie_from_another_server_is_invalid(self):
        with Wsusd() as other:
            c2 = WuaClient(other.http()).handshake()
            c = self.client()
            c.get_config()
            c.get_authorization_cookie()
            c.auth_cookie = c2.auth_cookie
            with self.assertRaises(Fault) as f:
                c.get_cookie()
            self.assertEqual(f.exception.error_code, "InvalidAuthorizationCookie")


if __name__ == "__main__":
    unittest.main()
