#!/usr/bin/env python3
"""An independent HTTP Signature implementation (Python `cryptography`) for interop tests.

    signature_interop.py verify REQUEST.json   -> exit 0 if the request's signature verifies
    signature_interop.py sign SCHEME KEYTYPE   -> prints a signed request as JSON

REQUEST.json: {"method", "path", "host", "scheme", "headers": {name: value}, "body", "public_key_pem"}.
The signing base is rebuilt here from the request alone (draft-cavage: the headers= list;
RFC 9421: section 2.5), not taken from the signer.
"""
import base64, hashlib, json, re, sys, time
from email.utils import formatdate
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa


def header(request, name):
    if name == "host":
        return request["host"]
    for key, value in request["headers"].items():
        if key.lower() == name:
            return value
    raise ValueError(f"missing header {name}")


def verify_signature(public_key, signature, message):
    if isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    else:
        public_key.verify(signature, message)


def verify(request):
    key = serialization.load_pem_public_key(request["public_key_pem"].encode())
    body = (request.get("body") or "").encode()
    try:
        signature_input = header(request, "signature-input")
    except ValueError:
        signature_input = None
    if signature_input is None:
        params = dict(re.findall(r'(\w+)="([^"]*)"', header(request, "signature")))
        lines = []
        for name in params["headers"].split(" "):
            if name == "(request-target)":
                lines.append(f"(request-target): {request['method'].lower()} {request['path']}")
            else:
                lines.append(f"{name}: {header(request, name)}")
        if request["method"] == "POST":
            expected = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
            assert header(request, "digest") == expected, "digest mismatch"
        verify_signature(key, base64.b64decode(params["signature"]), "\n".join(lines).encode())
    else:
        label, raw = signature_input.split("=", 1)
        components = re.findall(r'"([^"]+)"', raw[: raw.index(")") + 1])
        lines = []
        for name in components:
            if name == "@method":
                value = request["method"].upper()
            elif name == "@target-uri":
                value = f"{request['scheme']}://{request['host']}{request['path']}"
            elif name == "@authority":
                value = request["host"].lower()
            else:
                value = header(request, name).strip()
            lines.append(f'"{name}": {value}')
        lines.append(f'"@signature-params": {raw}')
        if request["method"] == "POST":
            expected = "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"
            assert header(request, "content-digest") == expected, "content-digest mismatch"
        encoded = re.match(rf"{re.escape(label)}=:([^:]+):", header(request, "signature")).group(1)
        verify_signature(key, base64.b64decode(encoded), "\n".join(lines).encode())


def sign(scheme, key_type):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048) if key_type == "rsa" else ed25519.Ed25519PrivateKey.generate()
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    body = '{"type":"Like","object":"https://scribe.example/characters/1"}'
    request = {"method": "POST", "path": "/users/alice/inbox", "host": "scribe.example", "scheme": "https", "body": body,
               "public_key_pem": public_pem, "headers": {"Content-Type": "application/activity+json"}}
    key_id = "https://remote.example/users/bob#main-key"

    def signature(message):
        if key_type == "rsa":
            return key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        return key.sign(message)

    if scheme == "draft-cavage":
        request["headers"]["Date"] = formatdate(usegmt=True)
        request["headers"]["Digest"] = "SHA-256=" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        names = ["(request-target)", "host", "date", "digest"]
        lines = [f"(request-target): post {request['path']}", f"host: {request['host']}",
                 f"date: {request['headers']['Date']}", f"digest: {request['headers']['Digest']}"]
        algorithm = "rsa-sha256" if key_type == "rsa" else "hs2019"
        encoded = base64.b64encode(signature("\n".join(lines).encode())).decode()
        request["headers"]["Signature"] = f'keyId="{key_id}",algorithm="{algorithm}",headers="{" ".join(names)}",signature="{encoded}"'
    else:
        request["headers"]["Content-Digest"] = "sha-256=:" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + ":"
        params = f'("@method" "@target-uri" "content-digest");created={int(time.time())};keyid="{key_id}"'
        lines = ['"@method": POST', f'"@target-uri": https://{request["host"]}{request["path"]}',
                 f'"content-digest": {request["headers"]["Content-Digest"]}', f'"@signature-params": {params}']
        request["headers"]["Signature-Input"] = "sig1=" + params
        request["headers"]["Signature"] = "sig1=:" + base64.b64encode(signature("\n".join(lines).encode())).decode() + ":"
    print(json.dumps(request))


if __name__ == "__main__":
    if sys.argv[1] == "verify":
        verify(json.load(open(sys.argv[2])))
    else:
        sign(sys.argv[2], sys.argv[3])
