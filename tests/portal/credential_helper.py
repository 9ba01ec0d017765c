#!/usr/bin/env python3
"""A `command` credential source for the portal suites: prints credential_process JSON naming
the account, role and user it was given, as a real broker (aws sts assume-role ...) would."""
import datetime
import json
import sys

account, role, user = sys.argv[1:4]
expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=30)
print(json.dumps({
    "Version": 1,
    "AccessKeyId": "ASIABROKERED" + account[-8:],
    "SecretAccessKey": f"brokered-secret-for-{user}-{role}".ljust(40, "x")[:40],
    "SessionToken": f"brokered-session-{account}-{role}-{user}",
    "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
}))
