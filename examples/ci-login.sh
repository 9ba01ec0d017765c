#!/usr/bin/env bash
# A CI job that tests an SSO login with no person: ssooidc-server in test mode approves every
# login as the user `ci`, the AWS CLI logs in with `aws sso login --no-browser` and uses the
# token, and the admin API makes the next login fail on purpose to test the failure path.
# Needs: ssooidc-server (or SSOOIDC_SERVER=path), the AWS CLI v2 (or AWS_CLI=path), curl, python3.
set -euo pipefail
server_bin=${SSOOIDC_SERVER:-ssooidc-server}
aws() { if [ -n "${AWS_CLI:-}" ]; then "$AWS_CLI" "$@"; else command aws "$@"; fi; }
work=$(mktemp -d)
trap 'kill "$server_pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

# 1. The test world: one user with one account and role.
cat > "$work/world.toml" <<'TOML'
[[users]]
name = "ci"
password = "not used: test mode approves without a sign-in"

[[accounts]]
id = "111111111111"
name = "Sandbox"
  [[accounts.roles]]
  name = "Developer"

[[assignments]]
user = "ci"
account = "111111111111"
role = "Developer"
TOML

# 2. The server in test mode on a free loopback port. Its first line of output is its URL, then
#    (with no --test-admin-token) the admin API's token.
"$server_bin" serve --test-mode --auto-approve ci --listen 127.0.0.1:0 \
    --database "sqlite:$work/ci.db" --world "$work/world.toml" --no-bootstrap-user \
    > "$work/server.out" 2> "$work/server.log" &
server_pid=$!
until grep -q '^Test-mode admin token: ' "$work/server.out"; do
  kill -0 "$server_pid" || { cat "$work/server.log"; exit 1; }
  sleep 0.1
done
url=$(head -n 1 "$work/server.out")
admin_token=$(sed -n 's/^Test-mode admin token: //p' "$work/server.out")
echo "ssooidc-server (test mode) at $url"

# 3. Point the AWS CLI at it. CLI >= 2.13 reads the endpoints from the environment; older ones
#    (such as Debian 12's 2.9.19) load endpoint rule sets from AWS_DATA_PATH.
export AWS_ENDPOINT_URL_SSO_OIDC=$url AWS_ENDPOINT_URL_SSO=$url
for service in sso-oidc sso; do
  mkdir -p "$work/models/$service/2019-06-10"
  cat > "$work/models/$service/2019-06-10/endpoint-rule-set-1.json" <<JSON
{"version": "1.0",
 "parameters": {
   "Region": {"builtIn": "AWS::Region", "required": false, "type": "String"},
   "UseDualStack": {"builtIn": "AWS::UseDualStack", "required": true, "default": false, "type": "Boolean"},
   "UseFIPS": {"builtIn": "AWS::UseFIPS", "required": true, "default": false, "type": "Boolean"},
   "Endpoint": {"builtIn": "SDK::Endpoint", "required": false, "type": "String"}},
 "rules": [{"conditions": [], "type": "endpoint",
            "endpoint": {"url": "$url", "properties": {}, "headers": {}}}]}
JSON
done
export AWS_DATA_PATH=$work/models
export AWS_CONFIG_FILE=$work/aws-config AWS_SHARED_CREDENTIALS_FILE=$work/aws-credentials
cat > "$AWS_CONFIG_FILE" <<'INI'
[profile ci]
sso_session = ci
sso_account_id = 111111111111
sso_role_name = Developer
region = us-east-1

[sso-session ci]
sso_start_url = https://d-0000000000.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
INI

# 4. Log in. No browser, no person: the login is approved the moment it starts.
aws sso login --profile ci --no-browser < /dev/null

# 5. Use the token the CLI cached, as any SSO tool would.
token_file=$(grep -l '"accessToken"' ~/.aws/sso/cache/*.json | head -n 1)
access_token=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["accessToken"])' \
    "$token_file")
aws sso list-accounts --access-token "$access_token" --region us-east-1 --output text |
  grep -q 111111111111
aws sso get-role-credentials --access-token "$access_token" --account-id 111111111111 \
    --role-name Developer --region us-east-1 --query roleCredentials.accessKeyId --output text |
  grep -q '^ASIA'
echo "login and token: OK"

# 6. The failure path: the next poll answers AccessDeniedException, so the login must fail.
curl -fsS -H "Authorization: Bearer $admin_token" -d error=AccessDeniedException -d count=1 \
    "$url/ssooidc-test/fail-polls" > /dev/null
if aws sso login --profile ci --no-browser < /dev/null 2> "$work/denied.err"; then
  echo "the login should have been denied" >&2
  exit 1
fi
grep -q AccessDeniedException "$work/denied.err"
echo "denied login fails: OK"
