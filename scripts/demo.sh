#!/usr/bin/env bash
# The PrivSep demo, from a fresh clone, as root: build; compile the sample plugins (samples/Plugins, plain BCL code that
# knows nothing of PrivSep); rewrite and sign them with `privsep`; start privsep-broker as root with samples/policy.json
# moved onto a temporary host root; run the sample monitoring agent (samples/MonitoringAgent) as the unprivileged user
# privsep-agent, which loads the plugins only because their signed manifest verifies; print what the broker allowed, what
# its policy denied and what the kernel blocked; the last audit lines and `privsep audit verify`; stop and clean up.
# Everything lives in a temporary directory that is removed at the end; the user privsep-agent is kept.
#   DEMO_SKIP_BUILD=1     reuse the build output of an earlier run (Release)
#   DEMO_ARTIFACTS=DIR    build into DIR instead of ./artifacts (the end-to-end test uses a private folder)
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
artifacts=${DEMO_ARTIFACTS:-$repo/artifacts}
bin="$artifacts/bin"
privsep() { dotnet "$bin/PrivSep.Cli/release/privsep.dll" "$@"; }

demo=$(mktemp -d /tmp/privsep-demo.XXXXXX)
chmod 0755 "$demo"
broker_pid=""
agent_pid=""
cleanup() {
  if [ -n "$agent_pid" ] && kill -0 "$agent_pid" 2>/dev/null; then kill -TERM "$agent_pid" 2>/dev/null || true; fi
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then
    kill -TERM "$broker_pid"; wait "$broker_pid" 2>/dev/null || true
  fi
  rm -rf "$demo"
}
trap cleanup EXIT

if [ "${DEMO_SKIP_BUILD:-}" != 1 ]; then
  echo "== building (Release): broker, privsep CLI, relay, monitoring agent, sample plugins"
  started=$SECONDS
  cat > "$demo/demo.slnx" <<SLNX
<Solution>
  <Project Path="$repo/src/Broker/PrivSep.Broker.csproj" />
  <Project Path="$repo/src/Cli/PrivSep.Cli.csproj" />
  <Project Path="$repo/src/Relay/PrivSep.Relay.csproj" />
  <Project Path="$repo/samples/MonitoringAgent.Contracts/MonitoringAgent.Contracts.csproj" />
  <Project Path="$repo/samples/MonitoringAgent/MonitoringAgent.csproj" />
  <Project Path="$repo/samples/Plugins/PingCheck/PingCheck.csproj" />
  <Project Path="$repo/samples/Plugins/AuthLogTail/AuthLogTail.csproj" />
  <Project Path="$repo/samples/Plugins/ConfigReader/ConfigReader.csproj" />
  <Project Path="$repo/samples/Plugins/ReportWriter/ReportWriter.csproj" />
  <Project Path="$repo/samples/Plugins/Rogue/Rogue.csproj" />
  <Project Path="$repo/samples/Plugins/DiskHealth/DiskHealth.csproj" />
</Solution>
SLNX
  dotnet build "$demo/demo.slnx" -c Release -nologo -v quiet -clp:ErrorsOnly -p:ArtifactsPath="$artifacts"
  echo "   built in $((SECONDS - started)) s"
fi
demo_started=$SECONDS

echo "== preparing a demo host under $demo/host"
id -u "$agent_user" >/dev/null 2>&1 || useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "$agent_user"
host="$demo/host"
mkdir -p "$host/var/log" "$host/etc/mysql" "$host/etc/cron.d" "$host/var/lib/privsep/sandbox" "$host/var/lib/smart" "$demo/etc" "$demo/keys" "$demo/plugins-built"
printf 'Nov 27 03:00:01 host sshd[812]: Accepted publickey for admin from 192.0.2.10 port 50122\nNov 27 03:04:17 host sudo: admin : TTY=pts/0 ; USER=root ; COMMAND=/usr/bin/apt update\n' > "$host/var/log/auth.log"
printf '[client]\nhost     = localhost\nuser     = debian-sys-maint\npassword = s3cr3t-not-for-agents\n' > "$host/etc/mysql/debian.cnf"
printf 'root:$6$not-for-agents:19000:0:99999:7:::\n' > "$host/etc/shadow"
# What `smartctl -H /dev/sda` would print; DiskHealth reads it with an allow-listed root command (head stands in for smartctl).
printf 'SMART overall-health self-assessment test result: PASSED\nSMART Attributes Data Structure revision number: 16\n' > "$host/var/lib/smart/sda.report"
chmod 0600 "$host/var/log/auth.log" "$host/etc/mysql/debian.cnf" "$host/etc/shadow" "$host/var/lib/smart/sda.report"
head -c 32 /dev/urandom | base64 > "$demo/etc/agent.secret"
chown "root:$agent_user" "$demo/etc/agent.secret"; chmod 0640 "$demo/etc/agent.secret"
# The sample policy, with every absolute path moved under the demo host root (CIDRs and user names do not start with "/"),
# except the commands exec rules run: those are the real /usr/bin tools.
sed -e "s#\"/#\"$host/#g" -e "s#\"$host/usr/bin/#\"/usr/bin/#g" "$repo/samples/policy.json" > "$demo/etc/policy.json"
privsep policy check "$demo/etc/policy.json" >/dev/null

echo "== signing key (privsep keygen)"
privsep keygen --out "$demo/keys/plugins.pem" | sed 's/^/   /'
chmod 0644 "$demo/keys/plugins.pub.pem"

echo "== rewriting and signing the sample plugins (privsep rewrite)"
for plugin in PingCheck AuthLogTail ConfigReader ReportWriter Rogue DiskHealth; do
  cp "$bin/$plugin/release/$plugin.dll" "$bin/$plugin/release/$plugin.pdb" "$demo/plugins-built/"
done
# The contract comes with the plugins' build output; the agent uses its own copy (shared with every plugin's context).
cp "$bin/PingCheck/release/MonitoringAgent.Contracts.dll" "$demo/plugins-built/"
privsep rewrite "$demo/plugins-built" --out "$demo/plugins" --sign-key "$demo/keys/plugins.pem" > "$demo/rewrite.log" 2>&1 \
  || { cat "$demo/rewrite.log" >&2; exit 1; }
grep -E "PS100[1-3]|rewrote|signed|manifest" "$demo/rewrite.log" | sed 's/^/   /' | head -n 12 || true
cp -r "$bin/MonitoringAgent/release" "$demo/agent"
# The relay the Shim starts for a brokered command (installed as /usr/libexec/privsep/privsep-relay on a real host).
cp -r "$bin/PrivSep.Relay/release" "$demo/relay"
chmod -R a+rX "$demo/agent" "$demo/relay" "$demo/plugins" "$demo/keys/plugins.pub.pem"

echo "== starting privsep-broker as root"
dotnet "$bin/PrivSep.Broker/release/privsep-broker.dll" --policy "$demo/etc/policy.json" --socket "$demo/run/broker.sock" \
  --secret-file "$demo/etc/agent.secret" --audit-log "$demo/audit/audit.jsonl" 2> "$demo/broker.log" &
broker_pid=$!
for _ in $(seq 1 150); do
  grep -q "listening on" "$demo/broker.log" 2>/dev/null && break
  kill -0 "$broker_pid" 2>/dev/null || { cat "$demo/broker.log" >&2; exit 1; }
  sleep 0.1
done
grep -q "listening on" "$demo/broker.log" || { echo "demo: the broker did not start:" >&2; cat "$demo/broker.log" >&2; exit 1; }
sed 's/^/   /' "$demo/broker.log"

echo "== running the monitoring agent as '$agent_user' (uid $(id -u "$agent_user"), no capabilities), 3 rounds"
setpriv --reuid="$agent_user" --regid="$agent_user" --init-groups --inh-caps=-all \
  env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$demo" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 \
  PRIVSEP_SOCKET="$demo/run/broker.sock" PRIVSEP_SECRET_FILE="$demo/etc/agent.secret" PRIVSEP_ROUTE=broker \
  PRIVSEP_RELAY="$demo/relay/privsep-relay.dll" \
  MONITOR_HOST_ROOT="$host" \
  dotnet "$demo/agent/MonitoringAgent.dll" --plugins "$demo/plugins" --public-key "$demo/keys/plugins.pub.pem" \
    --rounds 3 --interval-ms 1500 --table > "$demo/agent.out" 2> "$demo/agent.err" &
agent_pid=$!
# Between rounds the host's log moves on: a new line after round 1, a rotation (and a line in the new file) after round 2.
wait_for_round() {
  for _ in $(seq 1 300); do
    grep -q "round $1 done" "$demo/agent.err" 2>/dev/null && return 0
    kill -0 "$agent_pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}
if wait_for_round 1; then
  printf 'Nov 27 03:10:42 host sshd[901]: Failed password for invalid user oracle from 203.0.113.5 port 40022\n' >> "$host/var/log/auth.log"
  echo "   (after round 1: appended a line to auth.log)"
fi
if wait_for_round 2; then
  mv "$host/var/log/auth.log" "$host/var/log/auth.log.1"
  install -m 0600 /dev/null "$host/var/log/auth.log"
  printf 'Nov 27 03:15:00 host sshd[950]: Accepted publickey for admin from 192.0.2.10 port 50300\n' >> "$host/var/log/auth.log"
  echo "   (after round 2: rotated auth.log to auth.log.1 and wrote a line to the new auth.log)"
fi
agent_status=0
wait "$agent_pid" || agent_status=$?
agent_pid=""
sed 's/^/   /' "$demo/agent.err"
echo
cat "$demo/agent.out"
echo
[ "$agent_status" -eq 0 ] || { echo "demo: the agent exited $agent_status" >&2; exit 1; }

echo "== last audit lines ($demo/audit/audit.jsonl)"
tail -n 5 "$demo/audit/audit.jsonl"
echo "== privsep audit verify"
privsep audit verify "$demo/audit/audit.jsonl"

echo "== stopping the broker"
kill -TERM "$broker_pid"; wait "$broker_pid"; broker_pid=""
tail -n 2 "$demo/broker.log" | sed 's/^/   /'
if [ -e "$host/etc/cron.d/privsep-rogue" ]; then
  echo "demo: FAILED: the rogue plugin created $host/etc/cron.d/privsep-rogue" >&2; exit 1
fi
echo "== the rogue plugin's cron job was not created; demo finished in $((SECONDS - demo_started)) s after the build"
