#!/usr/bin/env bash
# The scale-out test in its long form (docs/reliability.md, "Several instances"): builds, then runs only
# ScaleOutTests with FAULTS=long: two instances of every service and of the gateway on a three-node
# RabbitMQ cluster (the AppHost's --instances 2 --broker-nodes 3), under steady load of whole journeys,
# the leader instance of each service, the first gateway and two broker nodes are killed (SIGKILL) in turn,
# and everything is reconciled through the gateways. Prints the figures (lost, duplicated, stuck,
# recovery and takeover seconds, most holders of each leader lock) and keeps them, with the whole log,
# under .data/scale/. ./scripts/test.sh runs the short form of the same test.
set -uo pipefail
cd "$(dirname "$0")/.."
export ASPIRE_VERSION_CHECK_DISABLED=true DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

bash scripts/install-prerequisites.sh || exit 1
echo "[scale] Building (Release)…"
dotnet build ReferralNetwork.sln -c Release -nologo -clp:ErrorsOnly || exit 1

out=".data/scale/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
echo "[scale] Running the long form (about 10 minutes); log in $out/test.log"
FAULTS=long FAULTS_REPORT="$PWD/$out/figures.md" dotnet test tests/ReferralNetwork.EndToEndTests -c Release --no-build -nologo \
    --filter "FullyQualifiedName~ScaleOutTests" --logger "console;verbosity=detailed" >"$out/test.log" 2>&1
status=$?
if [ -f "$out/figures.md" ]; then
    cat "$out/figures.md"
else
    echo "The run ended before its figures; see $out/test.log"
fi
grep -E '^ +(Passed|Failed) ' "$out/test.log"
exit $status
