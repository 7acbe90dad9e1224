#!/usr/bin/env bash
# Runs every test: unit tests, integration tests (each starts its own PostgreSQL and RabbitMQ),
# and end-to-end tests (the whole network started through the Aspire AppHost, with
# Aspire.Hosting.Testing, and the Aspire dashboard driven in headless chromium).
# Installs PostgreSQL, RabbitMQ and (for the dashboard's browser tests) chromium first if missing.
# Ends with a plain "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
# Nothing calls out to the internet: no Aspire update check, no .NET CLI usage reports.
export ASPIRE_VERSION_CHECK_DISABLED=true DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

bash scripts/install-prerequisites.sh --for-tests || exit 1
echo "[test] Building (Release)…"
if ! dotnet build ReferralNetwork.sln -c Release -nologo -clp:ErrorsOnly; then
    echo "The build failed."
    echo "0 passed, 1 failed"
    exit 1
fi

log=$(mktemp)
# Test assemblies one after another: each starts its own servers, and the machine has two cores.
dotnet test ReferralNetwork.sln -c Release --no-build -nologo -m:1 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# dotnet test prints one summary per test assembly: "Passed!  - Failed: 0, Passed: 88, Skipped: 0, ..."
read -r passed failed skipped < <(grep -E '^(Passed|Failed)! +- Failed:' "$log" | sed -E 's/.*Failed: +([0-9]+), Passed: +([0-9]+), Skipped: +([0-9]+).*/\2 \1 \3/' |
    awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}')
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    # A crash or a run that never reached its summary still counts as a failure.
    failed=1
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
