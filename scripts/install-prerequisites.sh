#!/usr/bin/env bash
# Installs what the local referral network runs besides .NET: PostgreSQL and RabbitMQ from the
# Debian packages. The AppHost runs them as its own child processes on its own ports, so the
# system-wide services the packages bring must not be left running.
# Idempotent: does nothing when both are already installed. Tested target: Debian 12.
set -euo pipefail

say() { printf '[install-prerequisites] %s\n' "$*"; }

postgres_installed() { compgen -G '/usr/lib/postgresql/*/bin/postgres' > /dev/null; }
rabbitmq_installed() { [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; }

if postgres_installed && rabbitmq_installed; then
    say "PostgreSQL ($(ls -d /usr/lib/postgresql/*/ | xargs -n1 basename | sort -V | tail -n1)) and RabbitMQ are already installed; nothing to do."
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root() { "$@"; }
elif command -v sudo > /dev/null; then
    as_root() { sudo "$@"; }
else
    say "PostgreSQL and/or RabbitMQ are missing and installing them needs root, but this is not root and sudo is not available."
    say "As root, run: apt-get update && apt-get install -y --no-install-recommends postgresql rabbitmq-server"
    exit 1
fi

if ! command -v apt-get > /dev/null; then
    say "apt-get not found: this script knows Debian/Ubuntu only. Install PostgreSQL (server binaries under /usr/lib/postgresql/<version>/bin) and RabbitMQ yourself."
    exit 1
fi

# Debian's maintainer scripts start services through invoke-rc.d, which asks policy-rc.d first;
# exit code 101 means "do not start". Ours is temporary and only when none exists already.
policy=/usr/sbin/policy-rc.d
own_policy=no
if [ ! -e "$policy" ]; then
    as_root sh -c "printf '#!/bin/sh\n# Temporary, from referral-network scripts/install-prerequisites.sh\nexit 101\n' > $policy && chmod 755 $policy"
    own_policy=yes
    say "Temporarily blocking service start-up during installation ($policy)."
fi
remove_own_policy() {
    if [ "$own_policy" = yes ]; then
        as_root rm -f "$policy"
    fi
}
trap remove_own_policy EXIT

say "Installing postgresql and rabbitmq-server (apt-get)…"
as_root apt-get update
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql rabbitmq-server
say "Installed."

# Belt and braces: if a package started its service anyway, stop it; ours run separately.
if command -v pg_lsclusters > /dev/null; then
    pg_lsclusters --no-header 2> /dev/null | while read -r version cluster _port status _rest; do
        if [ "$status" = online ]; then
            say "Stopping the system PostgreSQL cluster $version/$cluster the package started."
            as_root pg_ctlcluster "$version" "$cluster" stop || say "Could not stop cluster $version/$cluster."
        fi
    done
fi
if [ -x /etc/init.d/rabbitmq-server ] && as_root /etc/init.d/rabbitmq-server status > /dev/null 2>&1; then
    say "Stopping the system RabbitMQ the package started."
    as_root /etc/init.d/rabbitmq-server stop || say "Could not stop the system RabbitMQ."
    # Its epmd on the default port 4369; epmd refuses to exit while any node is still registered.
    as_root epmd -kill > /dev/null 2>&1 || true
fi

postgres_installed || { say "PostgreSQL server binaries are still missing under /usr/lib/postgresql/<version>/bin."; exit 1; }
rabbitmq_installed || { say "RabbitMQ is still missing (/usr/lib/rabbitmq/bin/rabbitmq-server)."; exit 1; }
say "Done: PostgreSQL $(ls -d /usr/lib/postgresql/*/ | xargs -n1 basename | sort -V | tail -n1) and RabbitMQ are installed; no system-wide instance is left running."
