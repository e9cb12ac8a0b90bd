#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, to run sweeps through
# `hydra/launcher=submitit_slurm` for real (tests, CI, trying the cluster path).
#
#   apt-get install -y slurm-wlm munge      # once (Debian/Ubuntu), as root
#   bash scripts/slurm_local.sh start       # write slurm.conf, start munged, slurmctld, slurmd
#   bash scripts/slurm_local.sh status      # sinfo
#   bash scripts/slurm_local.sh stop        # stop the daemons this script started
#
# Runs as root. State and logs go to $SLURM_LOCAL_DIR (default /var/lib/slurm-local); the
# config to $SLURM_CONF (default /etc/slurm/slurm.conf). An existing slurm.conf that this
# script did not write is never overwritten: on a real cluster, use that cluster instead.
set -euo pipefail

STATE_DIR=${SLURM_LOCAL_DIR:-/var/lib/slurm-local}
CONF=${SLURM_CONF:-/etc/slurm/slurm.conf}
MARKER="# written by bankruptcy scripts/slurm_local.sh"
PARTITION=${SLURM_LOCAL_PARTITION:-debug}

die() { echo "slurm_local.sh: $*" >&2; exit 1; }

need_tools() {
  for tool in munged slurmctld slurmd sinfo sbatch; do
    command -v "$tool" >/dev/null || die "$tool not found: apt-get install -y slurm-wlm munge"
  done
  [ "$(id -u)" = 0 ] || die "run as root (the daemons run as root on this single node)"
}

write_conf() {
  if [ -f "$CONF" ] && ! grep -qF "$MARKER" "$CONF"; then
    die "$CONF exists and was not written by this script; remove it or set SLURM_CONF"
  fi
  mkdir -p "$(dirname "$CONF")" "$STATE_DIR/state" "$STATE_DIR/slurmd"
  # The node line (CPUs, sockets, memory) exactly as slurmd detects this host.
  local node
  node=$(slurmd -C | head -n 1)
  local host=${node#NodeName=}
  host=${host%% *}
  cat >"$CONF" <<EOF
$MARKER
ClusterName=local
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
StateSaveLocation=$STATE_DIR/state
SlurmdSpoolDir=$STATE_DIR/slurmd
SlurmctldPidFile=$STATE_DIR/slurmctld.pid
SlurmdPidFile=$STATE_DIR/slurmd.pid
SlurmctldLogFile=$STATE_DIR/slurmctld.log
SlurmdLogFile=$STATE_DIR/slurmd.log
$node State=UNKNOWN
PartitionName=$PARTITION Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  echo "$host"
}

start_munge() {
  if munge -n >/dev/null 2>&1; then return; fi  # already running
  [ -s /etc/munge/munge.key ] || die "/etc/munge/munge.key missing: reinstall munge"
  install -d -o munge -g munge -m 0755 /run/munge
  runuser -u munge -- munged
  for _ in $(seq 20); do munge -n >/dev/null 2>&1 && return; sleep 0.5; done
  die "munged did not start (see /var/log/munge/munged.log)"
}

start() {
  need_tools
  local host
  host=$(write_conf)
  start_munge
  # -c: start from a clean state (no jobs left over from an earlier session)
  pgrep -F "$STATE_DIR/slurmctld.pid" >/dev/null 2>&1 || slurmctld -c -f "$CONF"
  pgrep -F "$STATE_DIR/slurmd.pid" >/dev/null 2>&1 || slurmd -f "$CONF"
  for _ in $(seq 60); do
    state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
    case "$state" in
      idle*|mixed*|allocated*) echo "Slurm up: node $host, partition $PARTITION ($state)"; return ;;
      down*|drain*) scontrol update NodeName="$host" State=RESUME 2>/dev/null || true ;;
    esac
    sleep 1
  done
  die "node $host not ready; logs: $STATE_DIR/slurmctld.log $STATE_DIR/slurmd.log"
}

stop() {
  for daemon in slurmd slurmctld; do
    local pidfile="$STATE_DIR/$daemon.pid"
    if [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null; then echo "stopped $daemon"; fi
  done
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) sinfo ;;
  *) die "usage: $0 start|stop|status" ;;
esac
