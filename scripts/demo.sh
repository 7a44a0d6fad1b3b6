#!/usr/bin/env bash
# The PrivSep demo: start the privileged broker as root with a demo policy, run an agent as the unprivileged
# user privsep-agent, and show what the broker allowed, what its policy denied and what the kernel blocked.
# Everything lives in a temporary directory that is removed at the end; the user privsep-agent is kept.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "demo: please run as root (e.g. sudo $0)." >&2
  echo "      The broker must run as root, and the demo creates the unprivileged user 'privsep-agent' to run the agent as." >&2
  exit 2
fi
for tool in dotnet setpriv useradd; do
  command -v "$tool" >/dev/null || { echo "demo: '$tool' is missing (the .NET 10 SDK and util-linux/passwd are needed)." >&2; exit 2; }
done

repo=$(cd "$(dirname "$0")/.." && pwd)
agent_user=privsep-agent

echo "== building (Release)"
dotnet build "$repo/src/Broker/PrivSep.Broker.csproj" -c Release -nologo -v quiet
dotnet build "$repo/tests/EndToEnd.Client/PrivSep.EndToEnd.Client.csproj" -c Release -nologo -v quiet
dotnet build "$repo/src/Cli/PrivSep.Cli.csproj" -c Release -nologo -v quiet

echo "== preparing a demo host"
id -u "$agent_user" >/dev/null 2>&1 || useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "$agent_user"
demo=$(mktemp -d /tmp/privsep-demo.XXXXXX)
chmod 0755 "$demo"
broker_pid=""
cleanup() {
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then
    kill -TERM "$broker_pid"; wait "$broker_pid" 2>/dev/null || true
  fi
  rm -rf "$demo"
}
trap cleanup EXIT

mkdir -p "$demo/bin" "$demo/logs" "$demo/etc/mysql" "$demo/sandbox"
cp -r "$repo/artifacts/bin/PrivSep.Broker/release/." "$demo/bin/"
cp -r "$repo/artifacts/bin/PrivSep.EndToEnd.Client/release/." "$demo/bin/"
chmod -R a+rX "$demo/bin"
printf 'Nov 27 03:00:01 host sshd[812]: Accepted publickey for admin from 192.0.2.10\n' > "$demo/logs/auth.log"
printf '[client]\nuser = debian-sys-maint\npassword = s3cr3t\n' > "$demo/etc/mysql/debian.cnf"
printf 'root:$6$not-for-agents\n' > "$demo/logs/shadow.log"
chmod 0600 "$demo/logs/auth.log" "$demo/etc/mysql/debian.cnf" "$demo/logs/shadow.log"
head -c 32 /dev/urandom | base64 > "$demo/agent.secret"
chown "root:$agent_user" "$demo/agent.secret"; chmod 0640 "$demo/agent.secret"
cat > "$demo/policy.json" <<POLICY
{
  "version": 1,
  "agents": { "users": ["$agent_user"] },
  "files": {
    "read":  ["$demo/logs/**", "$demo/etc/mysql/debian.cnf"],
    "write": ["$demo/sandbox/**"],
    "deny":  ["$demo/logs/shadow.log"]
  },
  "ping": { "targets": ["127.0.0.0/8"] }
}
POLICY

echo "== starting privsep-broker as root"
dotnet "$demo/bin/privsep-broker.dll" --policy "$demo/policy.json" --socket "$demo/run/broker.sock" \
  --secret-file "$demo/agent.secret" --audit-log "$demo/audit/audit.jsonl" 2> "$demo/broker.log" &
broker_pid=$!
for _ in $(seq 1 150); do
  grep -q "listening on" "$demo/broker.log" 2>/dev/null && break
  kill -0 "$broker_pid" 2>/dev/null || { cat "$demo/broker.log" >&2; exit 1; }
  sleep 0.2
done
grep -q "listening on" "$demo/broker.log" || { echo "demo: the broker did not start:" >&2; cat "$demo/broker.log" >&2; exit 1; }
sed 's/^/   /' "$demo/broker.log"

echo "== running the agent as '$agent_user' (uid $(id -u "$agent_user"), no capabilities)"
setpriv --reuid="$agent_user" --regid="$agent_user" --init-groups --inh-caps=-all \
  env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$demo" DOTNET_CLI_TELEMETRY_OPTOUT=1 \
  PRIVSEP_SOCKET="$demo/run/broker.sock" PRIVSEP_SECRET_FILE="$demo/agent.secret" \
  dotnet "$demo/bin/PrivSep.EndToEnd.Client.dll" --table \
    direct-read "$demo/logs/auth.log" \
    read "$demo/logs/auth.log" \
    read "$demo/etc/mysql/debian.cnf" \
    read "$demo/logs/shadow.log" \
    read /etc/shadow \
    write "$demo/sandbox/report.txt" "all checks green" \
    write /etc/cron.d/privsep-demo "* * * * * root id" \
    direct-ping 127.0.0.1 \
    ping 127.0.0.1 \
    ping 192.0.2.1

echo "== last audit lines ($demo/audit/audit.jsonl)"
tail -n 4 "$demo/audit/audit.jsonl"
echo "== privsep audit verify"
dotnet "$repo/artifacts/bin/PrivSep.Cli/release/privsep.dll" audit verify "$demo/audit/audit.jsonl"

echo "== stopping the broker"
kill -TERM "$broker_pid"; wait "$broker_pid"; broker_pid=""
tail -n 2 "$demo/broker.log" | sed 's/^/   /'
test ! -e /etc/cron.d/privsep-demo && echo "== /etc/cron.d/privsep-demo was not created"
