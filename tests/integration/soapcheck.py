"""Validates SOAP responses: the envelope against schema/soap1x-envelope.xsd and the payload (the Body's
child) against the XSD of its namespace in schema/. Also compares element shapes with captured responses."""
import os

from lxml import etree

SCHEMA_DIR = os.environ.get("WSUSD_SCHEMA_DIR", os.path.join(os.path.dirname(__file__), "../../schema"))

ENV11 = "http://schemas.xmlsoap.org/soap/envelope/"
ENV12 = "http://www.w3.org/2003/05/soap-envelope"

# Payload namespace -> schema file (the service's own types; imports resolve next to it).
PAYLOAD_SCHEMAS = {
    "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService": "wusp-client.ClientWebService.xsd",
    "http://www.microsoft.com/SoftwareDistribution/Server/SimpleAuthWebService":
        "wusp-simpleauth.SimpleAuthWebService.xsd",
    "http://www.microsoft.com/SoftwareDistribution/Server/DssAuthWebService": "wsusss-dssauth.DssAuthWebService.xsd",
    "http://www.microsoft.com/SoftwareDistribution/Server/IMonitorable": "wsusss-serversync.IMonitorable.xsd",
    "http://www.microsoft.com/SoftwareDistribution": "wsusss-serversync.SoftwareDistribution.xsd",
}
REPORTING_SCHEMA = "wsusss-reporting.SoftwareDistribution.xsd"

_cache = {}


def _schema(name):
    if name not in _cache:
        _cache[name] = etree.XMLSchema(etree.parse(os.path.join(SCHEMA_DIR, name)))
    return _cache[name]


class InvalidResponse(AssertionError):
    pass


def validate(body, reporting=False):
    """Validates a response body; returns the payload element (or the Fault). Raises InvalidResponse."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        doc = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as e:
        raise InvalidResponse(f"not well-formed XML: {e}")
    env_ns = etree.QName(doc).namespace
    if env_ns not in (ENV11, ENV12) or etree.QName(doc).localname != "Envelope":
        raise InvalidResponse(f"root is {doc.tag}, not a SOAP Envelope")
    env_schema = _schema("soap11-envelope.xsd" if env_ns == ENV11 else "soap12-envelope.xsd")
    if not env_schema.validate(doc):
        raise InvalidResponse(f"envelope invalid: {env_schema.error_log}")
    body_el = doc.find(f"{{{env_ns}}}Body")
    children = [c for c in body_el if isinstance(c.tag, str)]
    if len(children) != 1:
        raise InvalidResponse(f"Body has {len(children)} children, expected 1")
    payload = children[0]
    q = etree.QName(payload)
    if q.namespace == env_ns and q.localname == "Fault":
        fault_schema = env_schema
        if not fault_schema.validate(etree.ElementTree(etree.fromstring(etree.tostring(doc)))):
            raise InvalidResponse(f"fault invalid: {fault_schema.error_log}")
        return payload
    name = REPORTING_SCHEMA if reporting and q.namespace == "http://www.microsoft.com/SoftwareDistribution" \
        else PAYLOAD_SCHEMAS.get(q.namespace)
    if not name:
        raise InvalidResponse(f"no schema for payload namespace {q.namespace}")
    schema = _schema(name)
    standalone = etree.fromstring(etree.tostring(payload))
    if not schema.validate(standalone):
        raise InvalidResponse(f"{q.localname} invalid against {name}: {schema.error_log}")
    return payload


def shape(element):
    """Element paths in document order, namespace-qualified, for shape comparison with captures."""
    out = []

    def walk(el, path):
        p = f"{path}/{etree.QName(el).localname}"
        out.append((p, etree.QName(el).namespace))
        for c in el:
            if isinstance(c.tag, str):
                walk(c, p)

    walk(element, "")
    return out


def unique_paths(payload):
    """shape() without repeats, in first-seen order: compares structures whose list lengths differ."""
    seen, out = set(), []
    for p in shape(payload):
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def payload_of(body):
    doc = etree.fromstring(body)
    env_ns = etree.QName(doc).namespace
    return [c for c in doc.find(f"{{{env_ns}}}Body") if isinstance(c.tag, str)][0]
