#!/usr/bin/env bash
# Starts the whole referral network on this machine: installs PostgreSQL and RabbitMQ if missing,
# builds everything, then runs the AppHost, which starts the database, the broker, the four
# services and the gateway as its own child processes. Ctrl+C stops all of them.
# Arguments go to the AppHost (try --help; --demo registers demo organisations).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-prerequisites.sh
echo "[start] Building (Release)…"
dotnet build ReferralNetwork.sln -c Release -nologo -clp:ErrorsOnly
exec dotnet AppHost/ReferralNetwork.AppHost/bin/Release/net10.0/ReferralNetwork.AppHost.dll "$@"
