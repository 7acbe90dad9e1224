#!/usr/bin/env bash
# Installs what the local referral network runs besides .NET: PostgreSQL and RabbitMQ from the
# Debian packages, and Node.js with npm when there is no npm, which the build uses to compile the web
# app's NHS.UK styles (webapp/ReferralNetwork.Web/package.json). The AppHost runs them as its own child processes on its own ports, so the
# system-wide services the packages bring must not be left running.
# With --for-tests also Debian's chromium, which the dashboard's browser tests drive headless
# (the network itself never needs it, so scripts/start.sh does not ask for it).
# Idempotent: does nothing when everything asked for is already installed. Tested target: Debian 12.
set -euo pipefail

say() { printf '[install-prerequisites] %s\n' "$*"; }

for_tests=no
for argument in "$@"; do
    case "$argument" in
        --for-tests) for_tests=yes ;;
        -h | --help)
            echo "Usage: $0 [--for-tests]"
            echo "  Installs PostgreSQL and RabbitMQ if missing; with --for-tests also chromium for the browser tests."
            exit 0
            ;;
        *)
            say "Unknown argument '$argument' (try --help)."
            exit 2
            ;;
    esac
done

postgres_installed() { compgen -G '/usr/lib/postgresql/*/bin/postgres' > /dev/null; }
postgres_version() { ls -d /usr/lib/postgresql/*/ | xargs -n1 basename | sort -V | tail -n1; }
rabbitmq_installed() { [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; }
# The browser tests launch exactly this path (tests/ReferralNetwork.EndToEndTests/DashboardBrowserTests.cs).
chromium_installed() { [ -x /usr/bin/chromium ]; }
# Any npm on the PATH will do (the build runs "npm ci" and sass, which need Node.js 14 or later).
npm_installed() { command -v npm > /dev/null; }

# Only what is missing, so an installed PostgreSQL or RabbitMQ is never touched for chromium's sake.
packages=()
postgres_installed || packages+=(postgresql)
rabbitmq_installed || packages+=(rabbitmq-server)
npm_installed || packages+=(nodejs npm)
if [ "$for_tests" = yes ] && ! chromium_installed; then
    packages+=(chromium)
fi

if [ "${#packages[@]}" -eq 0 ]; then
    if [ "$for_tests" = yes ]; then
        say "PostgreSQL ($(postgres_version)), RabbitMQ, npm and chromium are already installed; nothing to do."
    else
        say "PostgreSQL ($(postgres_version)), RabbitMQ and npm are already installed; nothing to do."
    fi
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root() { "$@"; }
elif command -v sudo > /dev/null; then
    as_root() { sudo "$@"; }
else
    say "Missing: ${packages[*]}. Installing needs root, but this is not root and sudo is not available."
    say "As root, run: apt-get update && apt-get install -y --no-install-recommends ${packages[*]}"
    exit 1
fi

if ! command -v apt-get > /dev/null; then
    say "apt-get not found: this script knows Debian/Ubuntu only. Install PostgreSQL (server binaries under /usr/lib/postgresql/<version>/bin), RabbitMQ and Node.js with npm yourself, and for the tests chromium as /usr/bin/chromium."
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

say "Installing ${packages[*]} (apt-get)…"
as_root apt-get update
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"
say "Installed."

installing() { [[ " ${packages[*]} " == *" $1 "* ]]; }

# Belt and braces: if a package started its service anyway, stop it; ours run separately.
# Only for packages installed just now: a chromium-only run leaves a system server someone runs alone.
if installing postgresql && command -v pg_lsclusters > /dev/null; then
    pg_lsclusters --no-header 2> /dev/null | while read -r version cluster _port status _rest; do
        if [ "$status" = online ]; then
            say "Stopping the system PostgreSQL cluster $version/$cluster the package started."
            as_root pg_ctlcluster "$version" "$cluster" stop || say "Could not stop cluster $version/$cluster."
        fi
    done
fi
if installing rabbitmq-server && [ -x /etc/init.d/rabbitmq-server ] && as_root /etc/init.d/rabbitmq-server status > /dev/null 2>&1; then
    say "Stopping the system RabbitMQ the package started."
    as_root /etc/init.d/rabbitmq-server stop || say "Could not stop the system RabbitMQ."
    # Its epmd on the default port 4369; epmd refuses to exit while any node is still registered.
    as_root epmd -kill > /dev/null 2>&1 || true
fi

postgres_installed || { say "PostgreSQL server binaries are still missing under /usr/lib/postgresql/<version>/bin."; exit 1; }
rabbitmq_installed || { say "RabbitMQ is still missing (/usr/lib/rabbitmq/bin/rabbitmq-server)."; exit 1; }
if [ "$for_tests" = yes ]; then
    chromium_installed || { say "chromium is still missing (/usr/bin/chromium)."; exit 1; }
    say "Done: PostgreSQL $(postgres_version), RabbitMQ and chromium are installed; no system-wide instance is left running."
else
    say "Done: PostgreSQL $(postgres_version) and RabbitMQ are installed; no system-wide instance is left running."
fi
