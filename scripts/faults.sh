#!/usr/bin/env bash
# The fault-injection suite in its long form (docs/reliability.md, "The fault-injection suite"):
# builds, then runs only FaultTests with FAULTS=long: under steady load of whole journeys,
# PostgreSQL, RabbitMQ, each service and the gateway are killed (SIGKILL) and paused for 20 s
# (SIGSTOP, SIGCONT) in turn, round after round (FAULTS_ROUNDS, default 2), and everything is
# reconciled through the gateway. Prints the figures per fault (lost, duplicated, stuck,
# recovery seconds) and keeps them, with the whole log, under .data/faults/.
# ./scripts/test.sh runs the short form of the same test.
set -uo pipefail
cd "$(dirname "$0")/.."
export ASPIRE_VERSION_CHECK_DISABLED=true DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

bash scripts/install-prerequisites.sh || exit 1
echo "[faults] Building (Release)…"
dotnet build ReferralNetwork.sln -c Release -nologo -clp:ErrorsOnly || exit 1

out=".data/faults/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
echo "[faults] Running the long form (about 7 minutes a round of 14 faults); log in $out/test.log"
FAULTS=long FAULTS_REPORT="$PWD/$out/figures.md" dotnet test tests/ReferralNetwork.EndToEndTests -c Release --no-build -nologo \
    --filter "FullyQualifiedName~FaultTests.Killing" --logger "console;verbosity=detailed" >"$out/test.log" 2>&1
status=$?
if [ -f "$out/figures.md" ]; then
    cat "$out/figures.md"
else
    echo "The run ended before its figures; see $out/test.log"
fi
grep -E '^ +(Passed|Failed) ' "$out/test.log"
exit $status
