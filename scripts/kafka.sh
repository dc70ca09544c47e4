#!/usr/bin/env bash
# A real Apache Kafka 3.9.1 broker (KRaft, single node, loopback) for the demo and
# the tests.
#
#   scripts/kafka.sh start     resolve the jars once (Maven, cached), format a fresh
#                              temp dir, start the broker on free ports, wait until it
#                              answers metadata (kcat); print the export lines
#   scripts/kafka.sh stop      SIGTERM (30 s, then SIGKILL), delete temp dir and state
#   scripts/kafka.sh env       print the export lines (exit 1 when not set up)
#   scripts/kafka.sh down      stop the broker but keep its data and ports  (fault tests)
#   scripts/kafka.sh up        start a downed broker again on the same ports (fault tests)
#   scripts/kafka.sh restart   down + up
#   scripts/kafka.sh status    print running | down | stopped
#   scripts/kafka.sh fetch     only resolve the jars into the cache
#
# Why 3.9.x and not 4.x: librdkafka 2.0.2 (Debian 12, what dgp links) mishandles 4.x.
# Topics are auto-created (auto.create.topics.enable=true) so tests can produce to
# a fresh topic name without an admin step; every topic gets 1 partition unless
# created explicitly with more.
#
# Environment: DGP_STATE_DIR (default <repo>/.run), DGP_KAFKA_CACHE (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/dgp/kafka-3.9.1), DGP_KAFKA_START_TIMEOUT (90 s).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KAFKA_VERSION=3.9.1
POM="$DGP_SCRIPTS_DIR/kafka/pom.xml"
CACHE="${DGP_KAFKA_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/dgp/kafka-$KAFKA_VERSION}"
STAMP="$CACHE/.complete"
STATE="$(dgp_state_dir)"
STATE_FILE="$STATE/kafka.state"
ENV_FILE="$STATE/kafka.env"
PID_FILE="$STATE/kafka.pid"
DOWN_FILE="$STATE/kafka.down"
START_TIMEOUT="${DGP_KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT=30
# a broker that writes the class-data archive on exit needs longer (see below)
CDS_STOP_TIMEOUT=120

KAFKA_HOME=""
KAFKA_PORT=""
KAFKA_CONTROLLER_PORT=""

usage() {
    echo "usage: scripts/kafka.sh start|stop|env|down|up|restart|status|fetch" >&2
    exit 2
}

java_bin() {
    local jdk17=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
    if [ -x "$jdk17" ]; then echo "$jdk17"; else echo java; fi
}

pom_sum() {
    sha256sum "$POM" | cut -d' ' -f1
}

cache_complete() {
    [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(pom_sum)" ]
}

# Resolves the broker's jars into $CACHE once. A stamp holding the pom's sha256
# marks a complete cache; resolution goes to a temp dir renamed into place, under
# a lock, so concurrent starts (two state dirs) neither race nor see half a cache.
fetch_jars() {
    local tmp log
    cache_complete && return 0
    dgp_need_cmd mvn sha256sum
    mkdir -p "$(dirname "$CACHE")"
    exec 8>"$CACHE.lock"
    flock -w 600 8 || dgp_die "timed out waiting for $CACHE.lock"
    if cache_complete; then
        exec 8>&-
        return 0
    fi
    tmp="$CACHE.tmp.$$"
    log="$CACHE.mvn.log"
    rm -rf -- "$tmp"
    dgp_log "resolving org.apache.kafka:kafka_2.13:$KAFKA_VERSION with Maven into $CACHE (once)"
    if ! (cd "$DGP_SCRIPTS_DIR/kafka" && mvn -q -B -f "$POM" \
        dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp") \
        >"$log" 2>&1 </dev/null 8>&- 9>&-; then
        rm -rf -- "$tmp"
        dgp_log_tail "$log"
        dgp_die "mvn could not resolve the Kafka jars (pom $POM, log $log)"
    fi
    ls "$tmp"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null 2>&1 ||
        dgp_die "mvn finished but kafka_2.13-$KAFKA_VERSION.jar is not in $tmp"
    pom_sum >"$tmp/.complete"
    rm -rf -- "$CACHE"
    mv -- "$tmp" "$CACHE"
    rm -f "$log"
    exec 8>&-
    dgp_log "jars cached in $CACHE"
}

load_state() {
    KAFKA_HOME="" KAFKA_PORT="" KAFKA_CONTROLLER_PORT=""
    [ -f "$STATE_FILE" ] || return 1
    # shellcheck disable=SC1090
    . "$STATE_FILE"
    [ -n "$KAFKA_HOME" ] || return 1
}

save_state() {
    printf "KAFKA_HOME='%s'\nKAFKA_PORT='%s'\nKAFKA_CONTROLLER_PORT='%s'\n" \
        "$KAFKA_HOME" "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" | dgp_write_file "$STATE_FILE"
}

logfile() { echo "$KAFKA_HOME/kafka.log"; }
outfile() { echo "$KAFKA_HOME/kafka.out"; }
brokers() { echo "127.0.0.1:$KAFKA_PORT"; }

broker_pid() {
    cat "$PID_FILE" 2>/dev/null || true
}

broker_running() {
    dgp_pid_alive "$(broker_pid)" "$KAFKA_HOME/server.properties"
}

print_env() {
    cat "$ENV_FILE"
}

write_env() {
    {
        dgp_export_line DGP_KAFKA_BROKERS "$(brokers)"
        dgp_export_line DGP_KAFKA_PORT "$KAFKA_PORT"
        dgp_export_line DGP_KAFKA_CONTROLLER_PORT "$KAFKA_CONTROLLER_PORT"
        dgp_export_line DGP_KAFKA_HOME "$KAFKA_HOME"
        dgp_export_line DGP_KAFKA_LOG "$(logfile)"
        dgp_export_line DGP_KAFKA_PIDFILE "$PID_FILE"
        dgp_export_line DGP_KAFKA_VERSION "$KAFKA_VERSION"
    } | dgp_write_file "$ENV_FILE"
    dgp_write_env_sh "$STATE"
}

write_config() {
    cat >"$KAFKA_HOME/server.properties" <<EOF
# written by scripts/kafka.sh: a single-node KRaft test broker on loopback
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$KAFKA_HOME/data
# one node: every internal topic and default must fit on one replica
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
default.replication.factor=1
min.insync.replicas=1
# all coordinators live on this node anyway; few partitions make the first
# consumer-group join and the first transaction fast
offsets.topic.num.partitions=1
transaction.state.log.num.partitions=1
# tests start consuming at once instead of waiting 3 s for more members
group.initial.rebalance.delay.ms=0
num.partitions=1
# tests produce to fresh topic names without an admin step
auto.create.topics.enable=true
EOF
    cat >"$KAFKA_HOME/log4j.properties" <<EOF
# written by scripts/kafka.sh: everything to one file in the temp dir
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$(logfile)
log4j.appender.file.Append=true
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
EOF
}

# Class-data sharing: loading Kafka's ~60 jars dominates start-up on a busy
# 2-core machine, and a JDK 17 dynamic CDS archive halves it (measured: 8-11 s
# instead of 18-21 s under load). The first broker started without an archive
# writes one when it exits (-XX:ArchiveClassesAtExit; that stop takes ~15 s
# longer, once); kill_broker moves it into the cache and later JVMs map it. The
# archive is keyed by the JVM build; a stale or broken one is only ignored by the
# JVM (-Xshare:auto), never fatal.
cds_archive() {
    local java libjvm key
    java="$(command -v "$(java_bin)")" || java="$(java_bin)"
    libjvm="$(dirname "$(readlink -f "$java")")/../lib/server/libjvm.so"
    key="$(stat -L -c '%s-%Y' "$libjvm" 2>/dev/null || echo unknown)"
    echo "$CACHE/broker-$key.jsa"
}

cds_dump_marker() { echo "$KAFKA_HOME/cds-dump"; }

# java_opts broker|tool
java_opts() {
    local archive
    archive="$(cds_archive)"
    printf '%s\n' -Xms256m -Xmx768m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
        -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
        "-Dlog4j.configuration=file:$KAFKA_HOME/log4j.properties" \
        "-Dkafka.logs.dir=$KAFKA_HOME"
    if [ -s "$archive" ]; then
        echo "-XX:SharedArchiveFile=$archive"
    elif [ "$1" = broker ] && [ -f "$(cds_dump_marker)" ]; then
        echo "-XX:ArchiveClassesAtExit=$KAFKA_HOME/broker.jsa"
    fi
}

# After a broker that was writing the archive exited by itself (not SIGKILL).
save_cds_archive() {
    local archive
    archive="$(cds_archive)"
    rm -f "$(cds_dump_marker)"
    [ -s "$KAFKA_HOME/broker.jsa" ] || return 0
    if cp "$KAFKA_HOME/broker.jsa" "$archive.tmp.$$" && mv -f "$archive.tmp.$$" "$archive"; then
        dgp_log "class-data archive saved in $archive (faster starts from now on)"
    else
        rm -f "$archive.tmp.$$"
    fi
    rm -f "$KAFKA_HOME/broker.jsa"
}

cluster_id() {
    python3 -c '
import base64, uuid
while True:
    s = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    if not s.startswith("-"):
        print(s)
        break'
}

format_storage() {
    local opts
    mapfile -t opts < <(java_opts tool)
    dgp_log "formatting KRaft storage in $KAFKA_HOME/data"
    if ! "$(java_bin)" "${opts[@]}" -cp "$CACHE/*" kafka.tools.StorageTool format \
        -t "$(cluster_id)" -c "$KAFKA_HOME/server.properties" \
        >"$KAFKA_HOME/format.log" 2>&1 </dev/null 9>&-; then
        dgp_log_tail "$KAFKA_HOME/format.log"
        dgp_log_tail "$(logfile)"
        dgp_die "kafka.tools.StorageTool format failed"
    fi
}

# Starts the broker in its own session (so ^C in the caller's terminal does not
# reach it) and records its PID; 0 = answering metadata, 1 = failed, 2 = failed
# because a port was taken (the caller may pick others).
start_broker() {
    local opts log_size deadline pid
    if [ -s "$(cds_archive)" ]; then
        rm -f "$(cds_dump_marker)"
    else
        : >"$(cds_dump_marker)"
    fi
    mapfile -t opts < <(java_opts broker)
    log_size="$(stat -c %s "$(logfile)" 2>/dev/null || echo 0)"
    rm -f "$PID_FILE"
    dgp_log "starting kafka $KAFKA_VERSION on $(brokers) (controller 127.0.0.1:$KAFKA_CONTROLLER_PORT)"
    # shellcheck disable=SC2016
    setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' kafka-start "$PID_FILE" \
        "$(java_bin)" "${opts[@]}" -cp "$CACHE/*" kafka.Kafka "$KAFKA_HOME/server.properties" \
        </dev/null >>"$(outfile)" 2>&1 8>&- 9>&- &

    deadline=$((SECONDS + START_TIMEOUT))
    until [ -s "$PID_FILE" ]; do
        [ "$SECONDS" -ge "$deadline" ] && { dgp_log "broker did not record its pid"; return 1; }
        sleep 0.05
    done
    pid="$(broker_pid)"
    until broker_answers; do
        if ! dgp_pid_running "$pid"; then
            dgp_log "broker (pid $pid) exited during startup"
            if { tail -c +$((log_size + 1)) "$(logfile)" 2>/dev/null; cat "$(outfile)"; } |
                grep -q -e 'Address already in use' -e 'BindException'; then
                return 2
            fi
            return 1
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            dgp_log "broker did not answer metadata on $(brokers) within ${START_TIMEOUT}s"
            kill_broker
            return 1
        fi
        sleep 0.2
    done
    rm -f "$DOWN_FILE"
}

# True once the broker answers a metadata request through librdkafka (kcat),
# the client library dgp itself uses. A cheap connect test first, so that the
# poll does not sit in kcat's metadata timeout while nothing listens yet.
broker_answers() {
    (exec 3<>"/dev/tcp/127.0.0.1/$KAFKA_PORT") 2>/dev/null || return 1
    kcat -b "$(brokers)" -L -m 5 >/dev/null 2>&1 </dev/null
}

# SIGTERM (a controlled shutdown), SIGKILL after $STOP_TIMEOUT s
# ($CDS_STOP_TIMEOUT s when the JVM writes the class-data archive on exit).
kill_broker() {
    local pid timeout="$STOP_TIMEOUT"
    pid="$(broker_pid)"
    if ! broker_running; then
        rm -f "$(cds_dump_marker)" "$KAFKA_HOME/broker.jsa"
        return 0
    fi
    if [ -f "$(cds_dump_marker)" ]; then
        timeout="$CDS_STOP_TIMEOUT"
        dgp_log "stopping kafka (pid $pid); it writes the class-data archive on exit, once per cache"
    else
        dgp_log "stopping kafka (pid $pid)"
    fi
    kill -TERM "$pid" 2>/dev/null || true
    if dgp_wait_pid_gone "$pid" "$timeout"; then
        save_cds_archive
        return 0
    fi
    dgp_log "kafka $pid still there after ${timeout}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    dgp_wait_pid_gone "$pid" 10 || dgp_die "could not stop kafka pid $pid"
    rm -f "$(cds_dump_marker)" "$KAFKA_HOME/broker.jsa"
}

# Removes everything a start created; safe on partial state.
remove_all() {
    if [ -n "$KAFKA_HOME" ]; then
        kill_broker
        case "$(basename "$KAFKA_HOME")" in
            dgp-kafka.*) [ -d "$KAFKA_HOME" ] && rm -rf -- "$KAFKA_HOME" ;;
            *) dgp_log "not deleting unexpected directory '$KAFKA_HOME'" ;;
        esac
    fi
    rm -f "$STATE_FILE" "$ENV_FILE" "$PID_FILE" "$DOWN_FILE"
}

create_broker() {
    local attempt rc ports
    dgp_need_cmd kcat python3 setsid
    command -v "$(java_bin)" >/dev/null 2>&1 || dgp_die "java not found; run scripts/install-deps.sh (openjdk-17-jre-headless)"
    fetch_jars
    KAFKA_HOME="$(dgp_mktemp_dir dgp-kafka)"
    KAFKA_PORT="" KAFKA_CONTROLLER_PORT=""
    save_state
    # From here on a failure must not leave a half-made broker behind.
    trap 'dgp_log "start failed, cleaning up"; remove_all' EXIT
    for attempt in 1 2 3 4 5; do
        ports="$(dgp_free_ports 2)"
        KAFKA_PORT="${ports% *}"
        KAFKA_CONTROLLER_PORT="${ports#* }"
        save_state
        write_config
        [ "$attempt" -eq 1 ] && format_storage
        rc=0
        start_broker || rc=$?
        [ "$rc" -eq 0 ] && break
        if [ "$rc" -eq 2 ] && [ "$attempt" -lt 5 ]; then
            dgp_log "port $KAFKA_PORT or $KAFKA_CONTROLLER_PORT was taken meanwhile, retrying with others"
            continue
        fi
        dgp_log_tail "$(outfile)"
        dgp_log_tail "$(logfile)"
        dgp_die "kafka did not start (home $KAFKA_HOME, log $(logfile))"
    done
    write_env
    trap - EXIT
    dgp_log "kafka ready on $(brokers)"
}

cmd_start() {
    if load_state; then
        if broker_running; then
            dgp_log "kafka already running on $(brokers)"
            print_env
            return 0
        fi
        if [ -f "$DOWN_FILE" ]; then
            cmd_up
            print_env
            return 0
        fi
        dgp_log "stale state (broker gone), cleaning up $KAFKA_HOME"
        remove_all
    fi
    create_broker
    print_env
}

cmd_stop() {
    if ! load_state; then
        dgp_log "kafka not running"
        rm -f "$ENV_FILE" "$PID_FILE" "$DOWN_FILE"
        return 0
    fi
    remove_all
    dgp_log "kafka stopped, $KAFKA_HOME removed"
}

cmd_down() {
    load_state || dgp_die "kafka is not set up; run scripts/kafka.sh start"
    kill_broker
    rm -f "$PID_FILE"
    touch "$DOWN_FILE"
    dgp_log "kafka down (data kept in $KAFKA_HOME/data, port $KAFKA_PORT)"
}

cmd_up() {
    local rc=0
    load_state || dgp_die "kafka is not set up; run scripts/kafka.sh start"
    if broker_running; then
        dgp_log "kafka already running on $(brokers)"
        return 0
    fi
    [ -d "$KAFKA_HOME/data" ] || dgp_die "data dir $KAFKA_HOME/data is gone; run scripts/kafka.sh stop, then start"
    dgp_need_cmd kcat setsid
    fetch_jars
    start_broker || rc=$?
    if [ "$rc" -ne 0 ]; then
        dgp_log_tail "$(outfile)"
        dgp_log_tail "$(logfile)"
        [ "$rc" -eq 2 ] && dgp_die "port $KAFKA_PORT or $KAFKA_CONTROLLER_PORT is taken by another process; cannot restart on the same ports"
        dgp_die "kafka did not start again (home $KAFKA_HOME)"
    fi
    dgp_log "kafka up again on $(brokers)"
}

cmd_env() {
    if load_state && { broker_running || [ -f "$DOWN_FILE" ]; } && [ -f "$ENV_FILE" ]; then
        print_env
        return 0
    fi
    dgp_log "kafka not running; start it with scripts/kafka.sh start"
    return 1
}

cmd_status() {
    if ! load_state; then
        echo stopped
    elif broker_running; then
        echo running
    elif [ -f "$DOWN_FILE" ]; then
        echo down
    else
        echo "stopped (stale state)"
    fi
}

[ $# -eq 1 ] || usage
# One command at a time per state dir.
dgp_lock "$STATE/kafka.lock"
case "$1" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    env) cmd_env ;;
    down) cmd_down ;;
    up) cmd_up ;;
    restart) cmd_down && cmd_up ;;
    status) cmd_status ;;
    fetch) fetch_jars ;;
    *) usage ;;
esac
