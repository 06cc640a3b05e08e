#!/usr/bin/env python3
"""A remote fediverse server that is not ours, to check Scribe against.

It is built on apsig (an independent ActivityPub signature library, from PyPI) and Python's
standard library; it shares no code with Scribe. Given a Scribe user's handle it:

1. looks the user up by WebFinger and checks the `self` link;
2. fetches the actor and checks what Mastodon requires of one (context, id, inbox, key);
3. serves its own actor and sends a signed Follow to the user's inbox;
4. waits for the Accept, and verifies its HTTP signature with the user's published key;
5. prints FOLLOWED, then waits for a Create of a Note from the user, verifies it the same way,
   and prints one JSON line with what it saw.

Usage: fediverse_peer.py --handle alice@127.0.0.2:8080 [--host 127.0.0.6] [--timeout 60]
Exits 0 when every step passed, 1 otherwise (the JSON line says which failed).
"""

import argparse
import json
import queue
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from apsig.draft import Signer, Verifier
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

AS2 = "https://www.w3.org/ns/activitystreams"
AP_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


def get_json(url, accept):
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=20) as response:
        return response.headers.get("Content-Type", ""), json.loads(response.read())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--handle", required=True)
    parser.add_argument("--host", default="127.0.0.6")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    user, domain = args.handle.lstrip("@").split("@", 1)
    report = {}

    def finish(ok):
        report["ok"] = ok
        print(json.dumps(report), flush=True)
        sys.exit(0 if ok else 1)

    # 1. WebFinger.
    _, jrd = get_json(f"http://{domain}/.well-known/webfinger?resource=" + urllib.parse.quote(f"acct:{user}@{domain}"), "application/jrd+json")
    self_links = [link for link in jrd.get("links", []) if link.get("rel") == "self" and "activity+json" in link.get("type", "")]
    report["webfinger"] = jrd.get("subject") == f"acct:{user}@{domain}" and len(self_links) == 1
    if not report["webfinger"]:
        finish(False)
    actor_id = self_links[0]["href"]

    # 2. The actor.
    content_type, actor = get_json(actor_id, AP_ACCEPT)
    context = actor.get("@context")
    contexts = context if isinstance(context, list) else [context]
    key = actor.get("publicKey", {})
    report["actor"] = (
        "activity+json" in content_type and AS2 in contexts and actor.get("id") == actor_id and actor.get("type") == "Person"
        and bool(actor.get("inbox")) and key.get("owner") == actor_id and key.get("id") == actor_id + "#main-key"
        and "BEGIN PUBLIC KEY" in key.get("publicKeyPem", "")
    )
    if not report["actor"]:
        finish(False)
    their_key = key["publicKeyPem"]

    # 3. Our own server: an actor, and an inbox that verifies what arrives.
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    arrivals = queue.Queue()
    server = ThreadingHTTPServer((args.host, 0), None)
    origin = f"http://{args.host}:{server.server_address[1]}"
    our_actor = f"{origin}/users/pia"

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_):
            pass

        def do_GET(self):
            if self.path == "/users/pia":
                body = json.dumps({
                    "@context": [AS2, "https://w3id.org/security/v1"], "id": our_actor, "type": "Person", "preferredUsername": "pia",
                    "inbox": our_actor + "/inbox", "followers": our_actor + "/followers",
                    "publicKey": {"id": our_actor + "#main-key", "owner": our_actor, "publicKeyPem": public_pem},
                }).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/activity+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_response(404)
                self.end_headers()

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {name: value for name, value in self.headers.items()}
            verified = Verifier(their_key, "POST", origin + self.path, headers, body, clock_skew=3600).verify(raise_on_fail=False)
            self.send_response(202)
            self.end_headers()
            arrivals.put((verified is not None, json.loads(body)))

    server.RequestHandlerClass = Handler
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def wait_for(kind):
        deadline = time.time() + args.timeout
        while time.time() < deadline:
            try:
                verified, activity = arrivals.get(timeout=max(0.1, deadline - time.time()))
            except queue.Empty:
                break
            if activity.get("type") == kind:
                return verified, activity
        return False, None

    # 4. Follow, signed by apsig, and the Accept.
    follow_id = f"{origin}/follows/{uuid.uuid4()}"
    follow = json.dumps({"@context": AS2, "id": follow_id, "type": "Follow", "actor": our_actor, "object": actor_id}).encode()
    headers = Signer(
        headers={"Content-Type": "application/activity+json"}, private_key=private_key, method="POST", url=actor["inbox"],
        key_id=our_actor + "#main-key", body=follow).sign()
    request = urllib.request.Request(actor["inbox"], data=follow, method="POST", headers=headers)
    with urllib.request.urlopen(request, timeout=20) as response:
        report["follow_status"] = response.status
    verified, accept = wait_for("Accept")
    accepted = accept.get("object") if accept else None
    report["accept_verified"] = verified and accept.get("actor") == actor_id and (accepted == follow_id or (isinstance(accepted, dict) and accepted.get("id") == follow_id))
    if not report["accept_verified"]:
        finish(False)
    print("FOLLOWED", flush=True)

    # 5. The Create of a published character, as a Note.
    verified, create = wait_for("Create")
    note = create.get("object", {}) if create else {}
    report["create_verified"] = verified and create.get("actor") == actor_id and isinstance(note, dict) and note.get("type") == "Note" and note.get("attributedTo") == actor_id
    report["note_id"] = note.get("id") if isinstance(note, dict) else None
    report["note_name"] = note.get("name") if isinstance(note, dict) else None
    finish(report["create_verified"])


if __name__ == "__main__":
    main()
