#!/usr/bin/env bash
# The fault-injection suite in its long form (docs/reliability.md, "The fault-injection suite"):
# builds, then runs only FaultTests with FAULTS=long: under steady load of whole journeys,
# PostgreSQL, RabbitMQ, each service and the gateway are killed (SIGKILL) and paused for 20 s
# (SIGSTOP, SIGCONT) in turn, round after round (FAULTS_ROUNDS, default 2), and everything is
# reconciled through the gateway. Prints the figures per fault (lost, duplicated, stuck,
# recovery seconds) and keeps them, with the whole log, under .data/faults/.
#
# With --scale, the scale-out test's long form instead (docs/reliability.md, "Several instances"): two
# instances of every service and of the gateway on a three-node RabbitMQ cluster, each service's leader
# instance, the first gateway and two broker nodes killed in turn under load; the figures add the takeover
# times and the most instances ever doing a service's background work at once; kept under .data/scale/.
# ./scripts/test.sh runs the short form of both tests.
set -uo pipefail
cd "$(dirname "$0")/.."
export ASPIRE_VERSION_CHECK_DISABLED=true DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

test=FaultTests.Killing folder=faults duration="about 7 minutes a round of 14 faults"
case "${1:-}" in
    "") ;;
    --scale) test=ScaleOutTests folder=scale duration="about 4 minutes" ;;
    *) echo "Usage: $0 [--scale]"; exit 2 ;;
esac

bash scripts/install-prerequisites.sh || exit 1
echo "[faults] Building (Release)…"
dotnet build ReferralNetwork.sln -c Release -nologo -clp:ErrorsOnly || exit 1

out=".data/$folder/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
echo "[faults] Running the long form of $test ($duration); log in $out/test.log"
FAULTS=long FAULTS_REPORT="$PWD/$out/figures.md" dotnet test tests/ReferralNetwork.EndToEndTests -c Release --no-build -nologo \
    --filter "FullyQualifiedName~$test" --logger "console;verbosity=detailed" >"$out/test.log" 2>&1
status=$?
if [ -f "$out/figures.md" ]; then
    cat "$out/figures.md"
else
    echo "The run ended before its figures; see $out/test.log"
fi
grep -E '^ +(Passed|Failed) ' "$out/test.log"
exit $status
