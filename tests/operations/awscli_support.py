"""Running Debian's AWS CLI 2.9.19 (/usr/bin/aws) against a server, as README "Pointing AWS
tools at the server" describes: a profile with an sso-session, and an endpoint rule set under
AWS_DATA_PATH whose one rule returns the server's URL. Nothing outside the test's directory is
touched (HOME, AWS_CONFIG_FILE and the SSO cache are the test's own)."""

import json
import os
import subprocess

AWS = "/usr/bin/aws"
INSTALLED_RULES = ("/usr/lib/python3/dist-packages/awscli/botocore/data/sso-oidc/2019-06-10/"
                   "endpoint-rule-set-1.json")
START_URL = "https://d-0000000000.awsapps.com/start"


def require_cli():
    if not os.access(AWS, os.X_OK):
        raise AssertionError(f"{AWS} is missing: scripts/install-deps.sh installs awscli")


def cli_environment(directory, server_url, browser_marker=None):
    """The environment for `aws sso login --profile ci` against `server_url`."""
    require_cli()
    home = os.path.join(directory, "home")
    models = os.path.join(directory, "models", "sso-oidc", "2019-06-10")
    os.makedirs(os.path.join(home, ".aws"), exist_ok=True)
    os.makedirs(models, exist_ok=True)
    with open(INSTALLED_RULES, encoding="utf-8") as f:
        rules = json.load(f)
    rules["rules"] = [{"conditions": [], "type": "endpoint",
                       "endpoint": {"url": server_url, "properties": {}, "headers": {}}}]
    with open(os.path.join(models, "endpoint-rule-set-1.json"), "w", encoding="utf-8") as f:
        json.dump(rules, f)
    config = os.path.join(home, ".aws", "config")
    with open(config, "w", encoding="utf-8") as f:
        f.write("[profile ci]\nsso_session = ci\n\n[sso-session ci]\n"
                f"sso_start_url = {START_URL}\nsso_region = us-east-1\n"
                "sso_registration_scopes = sso:account:access\n")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and not k.startswith("SSOOIDC_")}
    env.update({"HOME": home, "AWS_CONFIG_FILE": config,
                "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, ".aws", "credentials"),
                "AWS_DATA_PATH": os.path.join(directory, "models"),
                "AWS_EC2_METADATA_DISABLED": "true", "AWS_PAGER": ""})
    if browser_marker:
        # Any attempt to open a page runs this, which leaves a mark the test looks for.
        script = os.path.join(directory, "browser.sh")
        with open(script, "w", encoding="utf-8") as f:
            f.write(f"#!/bin/sh\necho \"$@\" >> '{browser_marker}'\n")
        os.chmod(script, 0o755)
        env["BROWSER"] = script
    return env


def sso_login(env, timeout=120):
    return subprocess.run([AWS, "sso", "login", "--profile", "ci", "--no-browser"], env=env,
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def cached_tokens(env):
    cache = os.path.join(env["HOME"], ".aws", "sso", "cache")
    if not os.path.isdir(cache):
        return []
    out = []
    for name in os.listdir(cache):
        with open(os.path.join(cache, name), encoding="utf-8") as f:
            data = json.load(f)
        if "accessToken" in data:
            out.append(data)
    return out
