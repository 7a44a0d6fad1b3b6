#!/usr/bin/env bash
# Prepares a host for privsep-broker.service and privsep-agent.service. Idempotent: run it again at any time; it creates
# what is missing, fixes owners and modes, never overwrites the secret or an installed policy, and prints what it did.
#   setup.sh [--policy FILE]   (default: samples/policy.json beside this script's folder)
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: please run as root: it creates the user privsep-agent and root-owned folders under /etc, /var/lib and /var/log." >&2
  exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
policy_source="$here/../policy.json"
if [ "${1:-}" = "--policy" ] && [ -n "${2:-}" ]; then policy_source=$2; fi
agent_user=privsep-agent
PRIVSEP_ETC=${PRIVSEP_ETC:-/etc/privsep}
PRIVSEP_LIB=${PRIVSEP_LIB:-/var/lib/privsep}
PRIVSEP_LOG=${PRIVSEP_LOG:-/var/log/privsep}

did() { echo "setup: $*"; }

if id -u "$agent_user" >/dev/null 2>&1; then
  did "user $agent_user exists (uid $(id -u "$agent_user"))"
else
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$agent_user"
  did "created the system user $agent_user (uid $(id -u "$agent_user"), no home, no login shell)"
fi

ensure_dir() { # path owner:group mode
  if [ -d "$1" ]; then did "$1 exists"; else mkdir -p "$1"; did "created $1"; fi
  chown "$2" "$1"; chmod "$3" "$1"
  did "  $1: $2 $3"
}

ensure_dir "$PRIVSEP_ETC" "root:$agent_user" 0750
ensure_dir "$PRIVSEP_LIB" root:root 0755
ensure_dir "$PRIVSEP_LIB/sandbox" root:root 0755
ensure_dir "$PRIVSEP_LOG" root:root 0750

secret="$PRIVSEP_ETC/agent.secret"
if [ -s "$secret" ]; then
  did "$secret exists: kept (delete it and run again to rotate; restart both services afterwards)"
else
  (umask 0077; head -c 32 /dev/urandom | base64 > "$secret")
  did "created the shared secret $secret (32 random bytes, base64)"
fi
chown "root:$agent_user" "$secret"; chmod 0640 "$secret"
did "  $secret: root:$agent_user 0640"

policy="$PRIVSEP_ETC/policy.json"
if [ -e "$policy" ]; then
  did "$policy exists: kept"
elif [ -f "$policy_source" ]; then
  install -o root -g root -m 0640 "$policy_source" "$policy"
  did "installed the policy $policy from $policy_source (check it: privsep policy check $policy)"
else
  echo "setup: no policy at $policy and none to install ($policy_source is missing); pass --policy FILE" >&2
  exit 2
fi

if [ -e "$PRIVSEP_ETC/plugins.pub.pem" ]; then
  did "$PRIVSEP_ETC/plugins.pub.pem exists: the agent verifies plugin folders with it"
else
  did "next: put the public key that signs your plugin folders at $PRIVSEP_ETC/plugins.pub.pem (privsep keygen; keep the private key off the host)"
fi
did "done. Units: copy $here/privsep-broker.service and $here/privsep-agent.service to /etc/systemd/system/, then: systemctl daemon-reload && systemctl enable --now privsep-broker privsep-agent"
