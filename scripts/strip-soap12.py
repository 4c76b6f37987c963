#!/usr/bin/env python3
"""Write a SOAP 1.1-only copy of a WSUS WSDL for gSOAP code generation.

gSOAP makes the SOAP 1.2 binding primary when both are present, which resets every
response to SOAP 1.2 framing; the server still accepts and answers SOAP 1.2 requests with the
1.1-only stubs (see wsdl/README.md). The edit is textual on purpose: an XML library would drop
namespace declarations that are only used inside QName attribute values (type="tns:...").
Usage: strip-soap12.py IN.wsdl OUT.wsdl
"""
import re
import sys


def strip(text: str) -> str:
    # A binding or port is SOAP 1.2 when its body holds a soap12: element.
    def drop_if_soap12(match: re.Match) -> str:
        return "" if "<soap12:" in match.group(0) else match.group(0)

    text = re.sub(r"<wsdl:binding\b.*?</wsdl:binding>\s*", drop_if_soap12, text, flags=re.S)
    text = re.sub(r"<wsdl:port\b.*?</wsdl:port>\s*", drop_if_soap12, text, flags=re.S)
    text = re.sub(r'\s+xmlns:soap12="[^"]*"', "", text)
    return text


def main(src: str, dst: str) -> None:
    with open(src, encoding="utf-8") as f:
        text = f.read()
    out = strip(text)
    if "soap12" in out:
        sys.exit(f"{src}: a SOAP 1.2 reference is left after stripping")
    with open(dst, "w", encoding="utf-8") as f:
        f.write(out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
