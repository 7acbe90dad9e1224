#!/usr/bin/env bash
# The throughput benchmark (docs/benchmarks.md): builds, starts the whole network on its embedded default
# (local PostgreSQL and RabbitMQ, every service and the gateway, through the AppHost, on free ports and a
# data folder of its own), drives it and prints one table of figures with the machine they came from.
# The table is also kept under .data/bench/<time>.md.
#   ./scripts/bench.sh            the full run: 500 referrals/s for 60 s, straight and through the gateway,
#                                 Marten's append path against raw Npgsql, a report over a million referrals
#   ./scripts/bench.sh --smoke    a few seconds at a low rate: proves it runs (./scripts/test.sh does this)
# Other options (--rate, --seconds, --connections, --report-referrals): see --help.
set -uo pipefail
cd "$(dirname "$0")/.."
export ASPIRE_VERSION_CHECK_DISABLED=true DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

bash scripts/install-prerequisites.sh || exit 1
echo "[bench] Building (Release)…"
dotnet build ReferralNetwork.sln -c Release -nologo -clp:ErrorsOnly || exit 1

mkdir -p .data/bench
out=".data/bench/$(date -u +%Y%m%dT%H%M%SZ).md"
dotnet bench/ReferralNetwork.Bench/bin/Release/net10.0/ReferralNetwork.Bench.dll --out "$out" "$@"
