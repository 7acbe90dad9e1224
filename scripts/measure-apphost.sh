#!/usr/bin/env bash
# Measures the local network as the README starts it: time from launching the AppHost to every
# resource healthy (the AppHost prints its summary once the gateway, the last, is healthy), the
# memory (PSS) of the services, of PostgreSQL and RabbitMQ, and of the Aspire tooling, separately,
# and how long Ctrl+C (SIGTERM) takes to stop everything, with what is left behind.
# The first run starts from an empty data folder (initdb, the broker's first boot); the others reuse it.
# Runs on free ports; stop any other network first, since processes are told apart by name.
# Usage: scripts/measure-apphost.sh [runs, default 3]
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
apphost=AppHost/ReferralNetwork.AppHost/bin/Release/net10.0/ReferralNetwork.AppHost.dll
[ -f "$apphost" ] || { echo "Build first: dotnet build ReferralNetwork.sln -c Release"; exit 1; }
export ASPIRE_VERSION_CHECK_DISABLED=true DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

data=$(mktemp -d /var/tmp/referral-network-measure.XXXXXX)
chmod 755 "$data"
log=$(mktemp)
trap 'rm -rf "$data" "$log"' EXIT

pss_kb() { { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup"; } 2> /dev/null || echo 0; }

# Sums PSS (MiB) per group: services, postgres, rabbitmq, tooling (AppHost, DCP, dashboard, dotnet run).
memory() {
    local services=0 postgres=0 rabbitmq=0 tooling=0 pid cmd comm kb
    for pid in $(ls /proc | grep -E '^[0-9]+$'); do
        # Processes come and go while we read.
        cmd=$({ tr '\0' ' ' < "/proc/$pid/cmdline"; } 2> /dev/null) || continue
        comm=$({ cat "/proc/$pid/comm"; } 2> /dev/null) || continue
        kb=$(pss_kb "$pid"); kb=${kb:-0}
        case "$cmd" in
            *ReferralNetwork.AppHost.dll* | *aspire.hosting.orchestration* | *Aspire.Dashboard* | "dotnet run --project "*) tooling=$((tooling + kb)) ;;
            */bin/Release/net10.0/ReferralNetwork.*) services=$((services + kb)) ;;
            *)
                case "$comm" in
                    postgres) postgres=$((postgres + kb)) ;;
                    beam.smp | epmd | erl_child_setup | inet_gethost) rabbitmq=$((rabbitmq + kb)) ;;
                esac
                ;;
        esac
    done
    printf '%d %d %d %d' $((services / 1024)) $((postgres / 1024)) $((rabbitmq / 1024)) $((tooling / 1024))
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r)"
printf '%-4s %-10s %-12s %-10s %-10s %-10s %-10s %-10s %s\n' run data "healthy (s)" "services" "postgres" "rabbitmq" "tooling" "stop (s)" "left behind"
for run in $(seq 1 "$runs"); do
    state=$([ "$run" -eq 1 ] && echo empty || echo reused)
    started=$(date +%s.%N)
    dotnet "$apphost" --data "$data" --gateway-port 0 --service-port 0 --postgres-port 0 --rabbitmq-port 0 \
        --rabbitmq-management-port 0 --dashboard-port 0 --otlp-port 0 > "$log" 2>&1 &
    pid=$!
    until grep -q "Referral Network is running" "$log"; do
        kill -0 "$pid" 2> /dev/null || { echo "the AppHost exited:"; tail -n 30 "$log"; exit 1; }
        sleep 0.2
    done
    healthy=$(echo "$(date +%s.%N) - $started" | bc)
    # Let the services settle (daemons catching up, first exports) before reading memory.
    sleep 20
    read -r services postgres rabbitmq tooling < <(memory)
    stopping=$(date +%s.%N)
    kill -TERM "$pid"
    wait "$pid" || true
    # DCP stops the rest after the AppHost: wait until nothing of ours is left, up to 30 s.
    for _ in $(seq 1 150); do
        left=$(pgrep -f -c "aspire.hosting.orchestration|Aspire.Dashboard|bin/Release/net10.0/ReferralNetwork\.|$data" || true)
        [ "$left" -eq 0 ] && break
        sleep 0.2
    done
    stopped=$(echo "$(date +%s.%N) - $stopping" | bc)
    printf '%-4s %-10s %-12.1f %-10s %-10s %-10s %-10s %-10.1f %s\n' "$run" "$state" "$healthy" "${services} MiB" "${postgres} MiB" "${rabbitmq} MiB" "${tooling} MiB" "$stopped" "$left processes"
done
