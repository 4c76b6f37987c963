"""A scripted Windows Update Agent: builds requests from the real captured ones
(../shared/captures/wsus-m0-native/scan, see captures/PROVENANCE.md) with this run's cookies and ids."""
import re
import uuid

from lxml import etree

import soapcheck
from wsusd_harness import CLIENT_NS, CLIENT_PATH, read_capture, soap_post

SIMPLEAUTH_PATH = "/SimpleAuthWebService/SimpleAuth.asmx"
SIMPLEAUTH_NS = "http://www.microsoft.com/SoftwareDistribution/Server/SimpleAuthWebService"
ACTION = "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/"
SCAN = ("wsus-m0-native", "scan")


def template(n):
    return read_capture(*SCAN, f"{n:06d}", "request.body").decode()


def replace_element(xml, name, value):
    """Replaces the text of every <name>...</name> (first match per occurrence) in a template."""
    return re.sub(f"<{name}>[^<]*</{name}>", f"<{name}>{value}</{name}>", xml)


class Fault(Exception):
    def __init__(self, status, error_code, body):
        super().__init__(f"HTTP {status} {error_code}")
        self.status = status
        self.error_code = error_code
        self.body = body


class WuaClient:
    """Walks the WUA sequence against one server connection, validating every response."""

    def __init__(self, conn, client_id=None, dns_name="pc1.example.test", target_group=None):
        self.conn = conn
        self.client_id = client_id or str(uuid.uuid4())
        self.dns_name = dns_name
        self.target_group = target_group
        self.last_change = None
        self.auth_cookie = None
        self.cookie_expiration = None
        self.cookie_data = None

    def call(self, path, action, body):
        status, headers, data = soap_post(self.conn, path, body.encode(), action)
        payload = soapcheck.validate(data)
        if status != 200:
            code = payload.findtext("detail/ErrorCode")
            raise Fault(status, code, data)
        return payload

    def get_config(self):
        p = self.call(CLIENT_PATH, ACTION + "GetConfig", template(1))
        self.last_change = p.findtext(f".//{{{CLIENT_NS}}}LastChange")
        return p

    def get_authorization_cookie(self):
        body = template(2)
        body = replace_element(body, "clientId", self.client_id)
        body = replace_element(body, "dnsName", self.dns_name)
        if self.target_group is not None:
            body = body.replace("</dnsName>", "</dnsName>").replace(
                "<dnsName>", f"<targetGroupName>{self.target_group}</targetGroupName><dnsName>")
        p = self.call(SIMPLEAUTH_PATH, SIMPLEAUTH_NS + "/GetAuthorizationCookie", body)
        self.auth_cookie = p.findtext(f".//{{{SIMPLEAUTH_NS}}}CookieData")
        return p

    def get_cookie(self, last_change=None):
        body = template(3)
        body = replace_element(body, "CookieData", self.auth_cookie)
        body = replace_element(body, "lastChange", last_change or self.last_change)
        p = self.call(CLIENT_PATH, ACTION + "GetCookie", body)
        self.cookie_expiration = p.findtext(f".//{{{CLIENT_NS}}}Expiration")
        self.cookie_data = p.findtext(f".//{{{CLIENT_NS}}}EncryptedData")
        return p

    def cookie_xml(self, data=None):
        return (f"<cookie><Expiration>{self.cookie_expiration}</Expiration>"
                f"<EncryptedData>{data if data is not None else self.cookie_data}</EncryptedData></cookie>")

    def with_cookie(self, body, data=None):
        return re.sub(r"<cookie>.*?</cookie>", self.cookie_xml(data), body, count=1, flags=re.S)

    def handshake(self):
        self.get_config()
        self.get_authorization_cookie()
        self.get_cookie()
        return self


def element_text(payload, name, ns=CLIENT_NS):
    return payload.findtext(f".//{{{ns}}}{name}")


def full_scan(conn, client_id, max_pages=30):
    """A complete software scan from scratch by a registered computer: every non-leaf update offered is reported
    back as installed (applicable) and every leaf one as cached, page after page, until the server has nothing
    new. Returns {update id: deployment action} of the leaf updates offered."""
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
            if info.findtext(f"{{{CLIENT_NS}}}IsLeaf") == "true":
                cached.append(rid)
                xml = info.findtext(f"{{{CLIENT_NS}}}Xml")
                uid = re.search(r'UpdateID="([0-9a-fA-F-]{36})"', xml).group(1).lower()
                offered[uid] = info.findtext(f"{{{CLIENT_NS}}}Deployment/{{{CLIENT_NS}}}Action")
            else:
                non_leaf.append(rid)
        if not infos and p.findtext(f".//{{{CLIENT_NS}}}Truncated") != "true":
            return offered
    raise AssertionError(f"scan did not settle within {max_pages} pages")


def register(conn, client_id, dns_name):
    """Handshake and RegisterComputer for a new computer."""
    c = WuaClient(conn, client_id=client_id, dns_name=dns_name).handshake()
    body = replace_element(template(4), "DnsName", dns_name)
    c.call(CLIENT_PATH, ACTION + "RegisterComputer", c.with_cookie(body))
    return c
