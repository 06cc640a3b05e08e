#!/usr/bin/env python3
"""Drives a running Scribe server with Mastodon.py, as a Mastodon app would (issue 21).

Usage: mastodon_client_check.py BASE_URL CARD_PNG

CARD_PNG is a character card with art (the tests pass Tests/Fixtures/cards/seraphina.png).

Through Scribe's own JSON API it makes a creator and a reader. Then, as an app: it registers,
sends the reader through the OAuth consent page (signed in with her password, as a person
would) and exchanges the code, verifies her credentials, looks the creator up and follows her.
The creator publishes a character; the reader finds it in her home timeline with its card,
favourites and boosts it, replies under a content warning, sees the creator's replies in her
notifications, searches a handle, pages the home timeline with fetch_next, and revokes the
token, which then answers 401. Each step prints one line; any failure exits 1.
"""
import html
import re
import sys
import time
import uuid

import requests
from mastodon import Mastodon, MastodonAPIError, MastodonUnauthorizedError

BASE = sys.argv[1].rstrip("/")
CARD_PNG = sys.argv[2]
PASSWORD = "correct horse battery " + uuid.uuid4().hex[:8]
SCOPES = ["read", "write", "follow", "push"]
OOB = "urn:ietf:wg:oauth:2.0:oob"


def step(text):
    print("ok:", text, flush=True)


def check(condition, text):
    if not condition:
        print("FAILED:", text, flush=True)
        sys.exit(1)


def scribe(method, path, token=None, **kwargs):
    headers = dict(kwargs.pop("headers", {}))
    if token:
        headers["Authorization"] = "Bearer " + token
    return requests.request(method, BASE + path, headers=headers, timeout=120, **kwargs)


def register(username):
    answer = scribe("POST", "/api/v1/accounts", json={"username": username, "email": username + "@example.org", "password": PASSWORD})
    check(answer.status_code == 201, f"registering {username}: {answer.status_code} {answer.text}")
    return answer.json()["session"]["token"]


def publish(token, name=None):
    """Publishes a character: a new one named `name`, or without a name the card with art."""
    if name:
        made = scribe("POST", "/api/v1/characters", token, json={"card": {"name": name, "description": "A lighthouse keeper."}})
    else:
        with open(CARD_PNG, "rb") as card:
            made = scribe("POST", "/api/v1/characters/import", token, data=card.read(), headers={"Content-Type": "image/png"})
    check(made.status_code == 201, f"creating {name or CARD_PNG}: {made.status_code} {made.text}")
    character = made.json()["character"]["id"]
    name = made.json()["character"]["card"]["data"]["name"]
    shared = scribe("PUT", f"/api/v1/characters/{character}/visibility", token, json={"sharing_visibility": "public"})
    check(shared.status_code == 200, f"publishing {name}: {shared.status_code} {shared.text}")
    return name


def approve_in_browser(url, username):
    """Signs in on Scribe's login page and approves the consent page, as a person would."""
    browser = requests.Session()
    browser.headers["Accept"] = "text/html"
    login = browser.get(BASE + "/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)
    signed_in = browser.post(
        BASE + "/login", data={"csrf": csrf, "identifier": username, "password": PASSWORD}, headers={"Origin": BASE}
    )
    check(signed_in.status_code == 200 and "scribe_session" in browser.cookies, f"signing in on the login page: {signed_in.status_code}")
    consent = browser.get(url)
    check(consent.status_code == 200 and "Authorize" in consent.text, f"the consent page: {consent.status_code} {consent.text[:300]}")
    fields = {html.unescape(n): html.unescape(v) for n, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', consent.text)}
    fields["decision"] = "approve"
    approved = browser.post(BASE + "/oauth/authorize", data=fields, headers={"Origin": BASE})
    match = re.search(r'id="authorization-code">([^<]+)<', approved.text)
    check(approved.status_code == 200 and match, f"approving: {approved.status_code} {approved.text[:300]}")
    return match.group(1)


suffix = uuid.uuid4().hex[:6]
creator, reader = "creator" + suffix, "reader" + suffix
creator_token = register(creator)
register(reader)
step("a creator and a reader registered through Scribe's own API")

client_id, client_secret = Mastodon.create_app("Scribe check", api_base_url=BASE, scopes=SCOPES, redirect_uris=OOB)
app = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=BASE)
url = app.auth_request_url(scopes=SCOPES, redirect_uris=OOB, allow_http=True)
check(url.startswith(BASE + "/oauth/authorize?"), f"the authorization URL comes from the server's metadata: {url}")
code = approve_in_browser(url, reader)
token = app.log_in(code=code, redirect_uri=OOB, scopes=SCOPES, allow_http=True)
step("registered an app and signed in through the consent page")

me = app.account_verify_credentials()
check(me["username"] == reader and me["acct"] == reader, f"verify_credentials: {me}")
step(f"account_verify_credentials is @{me['acct']} (id {me['id']})")

with open(CARD_PNG, "rb") as art:
    updated = app.account_update_credentials(
        display_name="Night Reader", note="I read by lamplight.", avatar=art.read(), avatar_mime_type="image/png",
        fields=[("Lamp", "oil")],
    )
check(updated["display_name"] == "Night Reader" and "lamplight" in updated["note"], f"update_credentials: {updated}")
check("/missing.png" not in updated["avatar"] and updated["source"]["fields"][0]["name"] == "Lamp", f"the new avatar and field: {updated}")
avatar = requests.get(updated["avatar"], timeout=60)
check(avatar.status_code == 200 and avatar.headers["Content-Type"].startswith("image/"), f"the avatar is served: {avatar.status_code}")
step("account_update_credentials set the name, bio, a field and the avatar")

found = app.account_lookup(creator)
check(found["username"] == creator, f"account_lookup: {found}")
relationship = app.account_follow(found["id"])
check(relationship["following"], f"account_follow: {relationship}")
step("looked the creator up and followed her")

first = publish(creator_token, "Marguerite")
time.sleep(0.5)
second = publish(creator_token)
deadline = time.time() + 30
home = []
while time.time() < deadline:
    home = app.timeline_home(limit=1)
    if home and home[0]["card"] and home[0]["card"]["title"] == second:
        break
    time.sleep(0.5)
check(home and home[0]["card"] and home[0]["card"]["title"] == second, f"the home timeline holds the newest character: {home}")
status = home[0]
check(status["account"]["username"] == creator and status["visibility"] == "public", f"the status's author and audience: {status}")
check(status["card"]["url"].startswith(BASE) and status["card"]["image"], f"the card links the character and shows its art: {status['card']}")
step(f"timeline_home holds the published character as a status with its card ({status['card']['title']})")

older = app.fetch_next(home)
check(older and older[0]["card"]["title"] == "Marguerite", f"fetch_next gives the older character: {older}")
step("fetch_next pages the home timeline to the older character")

liked = app.status_favourite(status["id"])
check(liked["favourited"] and liked["favourites_count"] == 1, f"status_favourite: {liked}")
boosted = app.status_reblog(status["id"])
check(boosted["reblog"]["id"] == status["id"] and boosted["reblog"]["reblogged"], f"status_reblog: {boosted}")
step("favourited and boosted it")

reply = app.status_post("Who keeps the light when she sleeps?", in_reply_to_id=status["id"], spoiler_text="Spoilers for the lighthouse")
check(reply["in_reply_to_id"] == status["id"] and reply["spoiler_text"] == "Spoilers for the lighthouse", f"the reply: {reply}")
context = app.status_context(status["id"])
check(any(d["id"] == reply["id"] for d in context["descendants"]), f"the reply is below the character: {context}")
step("replied under a content warning; the reply is in the character's thread")

mentioned = scribe("POST", "/api/v1/posts", creator_token, json={"content": f"@{reader} welcome aboard!"})
check(mentioned.status_code == 201, f"the creator's post mentioning the reader: {mentioned.status_code} {mentioned.text}")
deadline = time.time() + 30
notifications = []
while time.time() < deadline:
    notifications = app.notifications(types=["mention"])
    if notifications:
        break
    time.sleep(0.5)
check(notifications and notifications[0]["type"] == "mention" and notifications[0]["account"]["username"] == creator, f"notifications: {notifications}")
check(all(n["type"] == "mention" for n in notifications), "types[] keeps mentions only")
check([m["acct"] for m in notifications[0]["status"]["mentions"]] == [reader], f"the mention names the reader: {notifications[0]['status']}")
step("the creator's mention is in notifications (types[]=mention)")

with open(CARD_PNG, "rb") as art:
    media = app.media_post(art.read(), mime_type="image/png", description="Seraphina in the forest")
check(media["type"] == "image" and media["url"] and media["description"] == "Seraphina in the forest", f"media_post: {media}")
pictured = app.status_post("My favourite card art", media_ids=[media["id"]])
check(len(pictured["media_attachments"]) == 1 and pictured["media_attachments"][0]["description"] == "Seraphina in the forest", f"a post with an image: {pictured}")
image = requests.get(pictured["media_attachments"][0]["url"], timeout=60)
check(image.status_code == 200 and image.headers["Content-Type"] == "image/png", f"the image is served: {image.status_code}")
step("media_post uploaded an image, and a post shows it with its alt text")

once = app.status_post("Posted once, sent twice #lighthouse", idempotency_key="retry-" + suffix)
twice = app.status_post("Posted once, sent twice #lighthouse", idempotency_key="retry-" + suffix)
check(once["id"] == twice["id"], f"the same Idempotency-Key gave two posts: {once['id']} and {twice['id']}")
check([t["name"] for t in once["tags"]] == ["lighthouse"], f"the post's hashtag: {once['tags']}")
tagged = app.timeline_hashtag("lighthouse")
check(any(t["id"] == once["id"] for t in tagged), f"timeline_hashtag: {tagged}")
step("a retried post with the same Idempotency-Key is posted once; its hashtag's timeline holds it")

app.markers_set(["home"], [status["id"]])
markers = app.markers_get(["home"])
check(str(markers["home"]["last_read_id"]) == str(status["id"]), f"markers: {markers}")
step("markers_set and markers_get keep where the reader stopped")

results = app.search_v2("@" + creator, result_type="accounts")
check(any(a["username"] == creator for a in results["accounts"]), f"search_v2: {results}")
step("search_v2 finds the creator by handle")

app.revoke_access_token(allow_http=True)
revoked = Mastodon(access_token=token, api_base_url=BASE)
try:
    revoked.account_verify_credentials()
    check(False, "a revoked token still works")
except MastodonUnauthorizedError:
    step("the revoked token is refused with 401")
except MastodonAPIError as error:
    check(False, f"a revoked token answered otherwise than 401: {error}")
print("all steps passed")
