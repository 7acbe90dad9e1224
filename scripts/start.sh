#!/usr/bin/env bash
# Starts the whole referral network on this machine: installs PostgreSQL and RabbitMQ if missing,
# builds everything, then runs the .NET Aspire AppHost, which starts the database, the broker, the
# four services and the gateway, restarts whichever crashes, and serves the Aspire dashboard.
# Ctrl+C stops all of them. Arguments go to the AppHost (try --help; --demo registers demo organisations).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-prerequisites.sh
echo "[start] Building (Release)…"
dotnet build ReferralNetwork.sln -c Release -nologo -clp:ErrorsOnly
# Nothing calls out to the internet: no Aspire update check, no .NET CLI usage reports.
export ASPIRE_VERSION_CHECK_DISABLED=true DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
exec dotnet AppHost/ReferralNetwork.AppHost/bin/Release/net10.0/ReferralNetwork.AppHost.dll "$@"
