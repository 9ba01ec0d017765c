"""The test world of the portal suites, written as a ssooidc-server world file (TOML), and the
helpers that log a user in and hand botocore/the AWS CLI what they need.

Logging in needs no browser: the device flow is started with boto3's sso-oidc client and approved
with the operator command `ssooidc-server device approve CODE --user NAME`.
"""

import datetime
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "client"))

import ssooidc_harness as h  # noqa: E402
from moto_process import MotoServer  # noqa: E402

START_URL = "https://d-0000000000.awsapps.com/start"
PASSWORD = "correct horse battery staple"
PROD = "111111111111"
STAGING = "222222222222"
SECRET_ACCOUNT = "333333333333"   # exists, assigned to nobody but bob
PAGED_ACCOUNTS = [f"5{i:011d}" for i in range(250)]


def world_toml(command_helper=None):
    """alice: AdministratorAccess (12 h) and ReadOnly on PROD directly, Developer on STAGING via
    the group `developers`; bob: Admin on SECRET_ACCOUNT; pager: Viewer on 250 accounts via the
    group `pagers`; carol: a disabled user."""
    lines = []
    for name, disabled in (("alice", False), ("bob", False), ("pager", False), ("carol", True)):
        lines += ["[[users]]", f'name = "{name}"', f'password = "{PASSWORD}"',
                  f'email = "{name}@example.com"', f"disabled = {str(disabled).lower()}", ""]
    lines += ["[[groups]]", 'name = "developers"', 'description = "People who build things"',
              'members = ["alice"]', "",
              "[[groups]]", 'name = "pagers"', 'members = ["pager"]', ""]
    lines += ["[[accounts]]", f'id = "{PROD}"', 'name = "Production"',
              'email = "aws-prod@example.com"',
              "  [[accounts.roles]]", '  name = "AdministratorAccess"',
              "  session_duration = 43200",
              "  [[accounts.roles]]", '  name = "ReadOnly"', "  session_duration = 3600", ""]
    if command_helper:
        lines += ["  [[accounts.roles]]", '  name = "Brokered"', '  source = "command"',
                  f'  command = ["{sys.executable}", "{command_helper}", "{{account_id}}", '
                  '"{role_name}", "{user_name}"]', ""]
    lines += ["  [[accounts.roles]]", '  name = "Fixed"', '  source = "static"',
              '  access_key_id = "AKIAFIXEDEXAMPLE0001"',
              '  secret_access_key = "fixedSecretAccessKeyExample0000000000001"', ""]
    lines += ["[[accounts]]", f'id = "{STAGING}"', 'name = "Staging"',
              "  [[accounts.roles]]", '  name = "Developer"', "",
              "[[accounts]]", f'id = "{SECRET_ACCOUNT}"', 'name = "Secret"',
              "  [[accounts.roles]]", '  name = "AdministratorAccess"', ""]
    for account in PAGED_ACCOUNTS:
        lines += ["[[accounts]]", f'id = "{account}"', f'name = "Paged {account}"',
                  "  [[accounts.roles]]", '  name = "Viewer"', ""]
    assignments = [("user", "alice", PROD, "AdministratorAccess"), ("user", "alice", PROD, "ReadOnly"),
                   ("user", "alice", PROD, "Fixed"),
                   ("group", "developers", STAGING, "Developer"),
                   ("user", "bob", SECRET_ACCOUNT, "AdministratorAccess")]
    if command_helper:
        assignments.append(("user", "alice", PROD, "Brokered"))
    assignments += [("group", "pagers", a, "Viewer") for a in PAGED_ACCOUNTS]
    for kind, who, account, role in assignments:
        lines += ["[[assignments]]", f'{kind} = "{who}"', f'account = "{account}"',
                  f'role = "{role}"', ""]
    return "\n".join(lines) + "\n"


def login(server, user, scopes=("sso:account:access",)):
    """Device flow through boto3, approved by the operator command. Returns (registration, token)."""
    oidc = h.oidc_client(server.url)
    kwargs = {"clientName": "portal-e2e", "clientType": "public"}
    if scopes:
        kwargs["scopes"] = list(scopes)
    reg = oidc.register_client(**kwargs)
    dev = oidc.start_device_authorization(clientId=reg["clientId"],
                                          clientSecret=reg["clientSecret"], startUrl=START_URL)
    server.approve(dev["userCode"], user=user)
    token = oidc.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                              grantType=h.DEVICE_GRANT, deviceCode=dev["deviceCode"])
    return reg, token


def write_sso_cache(home, session_name, reg, token, region="us-east-1"):
    """The token cache botocore's SSOTokenProvider reads for an sso-session (the AWS CLI writes
    the same file after `aws sso login`)."""
    cache = os.path.join(home, ".aws", "sso", "cache")
    os.makedirs(cache, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    body = {
        "startUrl": START_URL, "region": region, "accessToken": token["accessToken"],
        "expiresAt": (now + datetime.timedelta(seconds=token["expiresIn"])).strftime(fmt),
        "clientId": reg["clientId"], "clientSecret": reg["clientSecret"],
        "registrationExpiresAt": datetime.datetime.fromtimestamp(
            reg["clientSecretExpiresAt"], datetime.timezone.utc).strftime(fmt),
    }
    if "refreshToken" in token:
        body["refreshToken"] = token["refreshToken"]
    path = os.path.join(cache, hashlib.sha1(session_name.encode()).hexdigest() + ".json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(body, f)
    return path


class Moto(MotoServer):
    """moto_server on a loopback port (tests/client/moto_process.py, the one launcher of every
    suite): the AWS the minted credentials are used against. Missing moto is a failure, never a
    skip. `directory` is kept for the callers' sake; moto's output is kept in memory."""

    def __init__(self, directory):
        super().__init__(env=h.clean_environment())
        self.directory = directory


