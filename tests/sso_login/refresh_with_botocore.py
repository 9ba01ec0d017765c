"""botocore's own SSO token provider refreshes a cached sso-session token through ssooidc-server.

Run by sso_login.test.mjs after `aws sso login` has written the token cache. The caller sets HOME
(whose ~/.aws/sso/cache holds the token), AWS_CONFIG_FILE (with [profile PROFILE] sso_session =
SESSION) and AWS_ENDPOINT_URL_SSO_OIDC (the server). Prints one JSON line with the old and new
refresh tokens so the caller can check that the old one was rotated out. Exits non-zero with a
message on any failure.
"""
import datetime
import hashlib
import json
import logging
import os
import sys

PROFILE, SESSION = sys.argv[1], sys.argv[2]


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


try:
    import botocore
    import botocore.session
    from botocore.tokens import SSOTokenProvider
except ImportError as e:  # the test must fail, not skip, without botocore
    fail(f"botocore is not importable by {sys.executable}: {e}")

logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
print(f"botocore {botocore.__version__} at {botocore.__file__}", file=sys.stderr)
if not os.environ.get("AWS_ENDPOINT_URL_SSO_OIDC"):
    fail("AWS_ENDPOINT_URL_SSO_OIDC is not set")

cache_file = os.path.join(
    os.path.expanduser("~"), ".aws", "sso", "cache",
    hashlib.sha1(SESSION.encode("utf-8")).hexdigest() + ".json")
with open(cache_file) as f:
    before = json.load(f)
for key in ("accessToken", "refreshToken", "clientId", "clientSecret", "registrationExpiresAt"):
    if key not in before:
        fail(f"{cache_file} has no {key}: {sorted(before)}")

# Make the cached token look five minutes from expiry: inside botocore's mandatory refresh window.
now = datetime.datetime.now(datetime.timezone.utc)
before["expiresAt"] = (now + datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
with open(cache_file, "w") as f:
    json.dump(before, f)

session = botocore.session.Session(profile=PROFILE)
token = SSOTokenProvider(session).load_token()
if token is None:
    fail("SSOTokenProvider found no token for the profile")
frozen = token.get_frozen_token()

with open(cache_file) as f:
    after = json.load(f)
if frozen.token == before["accessToken"]:
    fail("the provider returned the old access token: no refresh happened (see warnings above)")
if after["accessToken"] != frozen.token:
    fail("the cache does not hold the refreshed access token")
if not after.get("refreshToken") or after["refreshToken"] == before["refreshToken"]:
    fail("the refresh token was not rotated")
expires = datetime.datetime.strptime(after["expiresAt"], "%Y-%m-%dT%H:%M:%SZ").replace(
    tzinfo=datetime.timezone.utc)
if (expires - now).total_seconds() < 30 * 60:
    fail(f"the refreshed token expires too soon: {after['expiresAt']}")
for key in ("clientId", "clientSecret", "registrationExpiresAt", "startUrl", "region"):
    if after.get(key) != before.get(key):
        fail(f"{key} changed in the cache: {before.get(key)!r} -> {after.get(key)!r}")

print(json.dumps({
    "oldRefreshToken": before["refreshToken"],
    "newRefreshToken": after["refreshToken"],
    "clientId": after["clientId"],
    "clientSecret": after["clientSecret"],
}))
