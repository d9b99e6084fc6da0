#!/usr/bin/env bash
# Runs the real istiod (pilot-discovery, built by scripts/tools/istio.sh) as a local process for a revision the
# stack installed on the local cluster (scripts/cluster.sh), where kwok only pretends to run its pod. The API server
# reaches it the way a cluster reaches a Service: its webhook calls go to the Service's cluster IP, and the cluster
# network (clusternet) forwards them to the ports registered here.
#
# The process gets what the pod of Deployment istiod-<rev> gets:
#   - the container's args and env, read from the live Deployment (so whatever the chart and the stack set), with
#     the downward-API values filled in (POD_NAME, POD_NAMESPACE, SERVICE_ACCOUNT) and KUBECONFIG pointing at a
#     kubeconfig that logs in as the pod's ServiceAccount with a token (valid 24 h; start again for a new one), so
#     the chart's RBAC applies;
#   - the plug-in CA: the cacerts Secret written to etc/cacerts, where the pod mounts it (ROOT_CA_DIR), laid out as
#     the kubelet lays out a Secret volume, and kept up to date as the kubelet does: a refresher beside istiod
#     polls the Secret and swaps in a new version atomically, so a CA rotation by the stack reaches the running
#     istiod, which watches the folder (CACERTS_REFRESH_SECONDS, default 2, between polls; the kubelet's sync is
#     slower, about a minute);
#   - no mesh or injector files: as in the pod (the chart mounts neither), istiod reads and watches the ConfigMaps
#     istio-<rev> (key mesh) and istio-sidecar-injector-<rev> (keys config, values) through the API server, and
#     follows the stack's changes to them.
# istiod resolves its well-known paths (./etc/cacerts, ./var/run/secrets/...) against its working directory, which
# is .local/istiod/<rev>/ here (/ in the pod). Every port moves to a free port on 127.0.0.1 (several revisions run
# side by side); the Service ports' target ports 15010, 15012, 15014 and 15017 are registered as backends of every
# Service that selects the revision's istiod pods.
#
# `start` returns once istiod is ready (/ready), its backends are registered, and it has patched its webhooks
# (caBundle on every webhook of the revision, validation failing closed).
#
# Usage: scripts/istiod.sh start [revision]    (default: the only istiod Deployment)
#        scripts/istiod.sh stop [revision]     (default: every running one)
#        scripts/istiod.sh status [revision]
# With MESH_CLUSTER set, for that cluster of scripts/cluster.sh (state in .local/istiod-<MESH_CLUSTER>/).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.local/bin"
# The local cluster of scripts/cluster.sh: MESH_CLUSTER names another one, as there.
cluster_state="$root/.local/${MESH_CLUSTER:-cluster}"
state="$root/.local/istiod${MESH_CLUSTER:+-$MESH_CLUSTER}"
cluster_kubeconfig="$cluster_state/kubeconfig"
registry="$cluster_state/run/backends.json"
namespace=${ISTIO_NAMESPACE:-istio-system}
# The container ports of istiod's pod that its Services target.
served_ports=(15010 15012 15014 15017)

log() { printf '[istiod] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

kubectl() { command kubectl --kubeconfig "$cluster_kubeconfig" "$@"; }

# --- processes -----------------------------------------------------------------------------------------------------

# Prints the pid of the revision's istiod; fails if it does not run. The process must be our binary, started in the
# revision's directory, so a reused pid is never taken for it.
pid_of() {
  local dir=$state/$1 pid
  [[ -f $dir/pid ]] || return 1
  pid=$(<"$dir/pid")
  [[ -r /proc/$pid/cmdline ]] || return 1
  [[ $(tr '\0' '\n' <"/proc/$pid/cmdline" | head -n1) == "$bin/pilot-discovery" ]] || return 1
  [[ $(readlink "/proc/$pid/cwd") == "$dir" ]] || return 1
  echo "$pid"
}

port_in_use() { ss -Hltn "sport = :$1" | grep -q .; }

# free_port TAKEN...: a port free on this machine and not among TAKEN. It is drawn below the kernel's ephemeral range
# (net.ipv4.ip_local_port_range), which outgoing connections take ports from, so that a port found free stays free
# until istiod binds it; and above the local clusters' ports (scripts/cluster.sh: 16257 to 24800 with their offsets).
free_port() {
  local port taken=" $* " low=25000 high ephemeral
  read -r -a ephemeral </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || ephemeral=(32768 60999)
  high=${ephemeral[0]}
  # An ephemeral range that starts lower: the ports above it, else any (a bind may then race an outgoing connection).
  ((high > low + 1000)) || { low=$((ephemeral[1] + 1)); high=65535; }
  ((high > low + 1000)) || { low=20000; high=50000; }
  for _ in $(seq 200); do
    port=$((low + RANDOM % (high - low)))
    [[ $taken == *" $port "* ]] && continue
    port_in_use "$port" || { echo "$port"; return; }
  done
  die "no free port found"
}

# --- the pod's view --------------------------------------------------------------------------------------------------

deployment_field() {
  kubectl get deployment "istiod-$1" -n "$namespace" -o go-template="$2"
}

# The discovery container's env as NAME<TAB>VALUE lines; downward-API references are resolved as the kubelet would.
pod_env() {
  local rev=$1 name kind value service_account
  service_account=$(deployment_field "$rev" '{{.spec.template.spec.serviceAccountName}}')
  deployment_field "$rev" '{{range .spec.template.spec.containers}}{{if eq .name "discovery"}}{{range .env}}{{.name}}{{"\t"}}{{if .valueFrom}}{{if .valueFrom.fieldRef}}field:{{.valueFrom.fieldRef.fieldPath}}{{else if .valueFrom.resourceFieldRef}}resource:{{.valueFrom.resourceFieldRef.resource}}{{else}}other:{{end}}{{else}}value:{{.value}}{{end}}{{"\n"}}{{end}}{{end}}{{end}}' |
    while IFS=$'\t' read -r name value; do
      kind=${value%%:*}
      value=${value#*:}
      case $kind:$value in
        field:metadata.name) printf '%s\t%s\n' "$name" "istiod-$rev-local" ;;
        field:metadata.namespace) printf '%s\t%s\n' "$name" "$namespace" ;;
        field:spec.serviceAccountName) printf '%s\t%s\n' "$name" "$service_account" ;;
        # GOMAXPROCS from limits.cpu: without a limit the kubelet passes the node's CPUs, which is Go's default.
        resource:*) ;;
        value:*) printf '%s\t%s\n' "$name" "$value" ;;
        *) die "istiod-$rev: env $name comes from $kind:$value, which this script cannot resolve" ;;
      esac
    done
}

pod_args() {
  deployment_field "$1" '{{range .spec.template.spec.containers}}{{if eq .name "discovery"}}{{range .args}}{{.}}{{"\n"}}{{end}}{{end}}{{end}}'
}

# A kubeconfig for the pod's ServiceAccount: the API server's address and CA from the cluster's kubeconfig, and a
# bound token, as the pod would get it projected.
write_kubeconfig() {
  local rev=$1 file=$2 service_account server ca token
  service_account=$(deployment_field "$rev" '{{.spec.template.spec.serviceAccountName}}')
  server=$(kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.server}')
  ca=$(kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')
  token=$(kubectl create token "$service_account" -n "$namespace" --duration=24h)
  umask 077
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: $server
    certificate-authority-data: $ca
users:
- name: $service_account
  user:
    token: $token
contexts:
- name: local
  context: {cluster: local, user: $service_account, namespace: $namespace}
current-context: local
EOF
}

# The cacerts Secret as the pod's volume shows it (optional there too: without it istiod signs with a CA of its own),
# written as the kubelet's atomic writer does: the files of a version in a folder ..<time>, a link ..data to it, and
# each key a link through ..data. An update writes a new folder and renames a new ..data over the old one, so istiod
# reads either the old or the new set of files, never a mix. Does nothing when the Secret's version is the one
# written last.
write_cacerts() {
  local dir=$1/etc/cacerts stamp=$1/cacerts.version version content new old file name
  content=$(kubectl get secret cacerts -n "$namespace" -o go-template='{{.metadata.resourceVersion}}{{"\n"}}{{range $k, $v := .data}}{{$k}} {{$v}}{{"\n"}}{{end}}' 2>/dev/null) ||
    { [[ -f $stamp ]] || log "no cacerts Secret: istiod makes its own CA"; return 0; }
  version=$(head -n1 <<<"$content")
  [[ -f $stamp && $(<"$stamp") == "$version" ]] && return 0
  mkdir -p "$dir"
  chmod 700 "$dir"
  new="..$(date -u +%Y_%m_%d_%H_%M_%S.%N)"
  mkdir "$dir/$new"
  tail -n +2 <<<"$content" | while read -r name file; do
    [[ -n $name ]] || continue
    base64 -d <<<"$file" >"$dir/$new/$name"
    chmod 600 "$dir/$new/$name"
  done
  old=$(readlink "$dir/..data" 2>/dev/null || true)
  ln -s "$new" "$dir/..data_tmp"
  mv -T "$dir/..data_tmp" "$dir/..data"
  for file in "$dir/$new"/*; do
    name=$(basename "$file")
    [[ -L $dir/$name ]] || ln -s "..data/$name" "$dir/$name"
  done
  # Keys the Secret no longer has.
  for file in "$dir"/*; do
    [[ -L $file && ! -e $file ]] && rm -f "$file"
  done
  [[ -n $old ]] && rm -rf "${dir:?}/$old"
  echo "$version" >"$stamp"
  [[ -n $old ]] && log "cacerts: Secret version $version written to $dir"
  return 0
}

# The refresher of a revision's cacerts, while its istiod runs (started by `start`, in its own session).
cmd_refresh_cacerts() {
  local rev=$1
  while pid_of "$rev" >/dev/null; do
    write_cacerts "$state/$rev" || log "cacerts: refresh failed; retrying"
    sleep "${CACERTS_REFRESH_SECONDS:-2}"
  done
}

# Prints the pid of the revision's cacerts refresher; fails if it does not run.
refresher_pid_of() {
  local dir=$state/$1 pid
  [[ -f $dir/refresher.pid ]] || return 1
  pid=$(<"$dir/refresher.pid")
  [[ -r /proc/$pid/cmdline ]] || return 1
  [[ $(tr '\0' ' ' <"/proc/$pid/cmdline") == *"istiod.sh refresh-cacerts $1 "* ]] || return 1
  echo "$pid"
}

start_refresher() {
  local rev=$1 dir=$state/$1
  refresher_pid_of "$rev" >/dev/null && return 0
  setsid bash "$root/scripts/istiod.sh" refresh-cacerts "$rev" >>"$dir/istiod.log" 2>&1 </dev/null &
  echo $! >"$dir/refresher.pid"
}

# Services that select this revision's istiod pods, as "name" lines.
istiod_services() {
  kubectl get services -n "$namespace" -o go-template="{{range .items}}{{if .spec.selector}}{{if and (eq (or (index .spec.selector \"app\") \"\") \"istiod\") (eq (or (index .spec.selector \"istio.io/rev\") \"\") \"$1\")}}{{.metadata.name}}{{\"\\n\"}}{{end}}{{end}}{{end}}"
}

# --- backends ----------------------------------------------------------------------------------------------------

register_backends() {
  local rev=$1 dir=$state/$1 service port address keys=()
  for service in $(istiod_services "$rev"); do
    for port in "${served_ports[@]}"; do
      address=$(sed -n "s/^$port=//p" "$dir/ports")
      "$bin/clusternet" register -registry "$registry" "$namespace/$service:$port" "$address"
      keys+=("$namespace/$service:$port")
    done
  done
  ((${#keys[@]} > 0)) || die "no Service in $namespace selects app=istiod, istio.io/rev=$rev"
  printf '%s\n' "${keys[@]}" >"$dir/registered"
  log "registered as the cluster network backend of ${keys[*]}"
}

unregister_backends() {
  local dir=$state/$1
  [[ -f $dir/registered ]] || return 0
  # shellcheck disable=SC2046
  "$bin/clusternet" unregister -registry "$registry" $(<"$dir/registered")
  rm -f "$dir/registered"
}

# --- readiness ---------------------------------------------------------------------------------------------------

ready() {
  local http
  http=$(sed -n 's/^8080=//p' "$state/$1/ports")
  curl -fsS -o /dev/null --max-time 2 "http://$http/ready"
}

# True when every webhook of the revision's webhook configurations has a caBundle, and every validating webhook
# fails closed: what istiod converges to once it serves and has checked that the API server reaches it.
webhooks_patched() {
  local rev=$1 pending
  pending=$(
    kubectl get mutatingwebhookconfigurations -l "istio.io/rev=$rev" \
      -o go-template='{{range .items}}{{$n := .metadata.name}}{{range .webhooks}}{{if not .clientConfig.caBundle}}{{$n}}/{{.name}}: no caBundle{{"\n"}}{{end}}{{end}}{{end}}'
    kubectl get validatingwebhookconfigurations -l "istio.io/rev=$rev" \
      -o go-template='{{range .items}}{{$n := .metadata.name}}{{range .webhooks}}{{if not .clientConfig.caBundle}}{{$n}}/{{.name}}: no caBundle{{"\n"}}{{else if ne .failurePolicy "Fail"}}{{$n}}/{{.name}}: failurePolicy {{.failurePolicy}}{{"\n"}}{{end}}{{end}}{{end}}'
  )
  [[ -z $pending ]]
}

# wait_until SECONDS WHAT REV COMMAND...: polls COMMAND; fails at once when istiod exits.
wait_until() {
  local timeout=$1 what=$2 rev=$3 deadline
  shift 3
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ! pid_of "$rev" >/dev/null; then
      tail -n 30 "$state/$rev/istiod.log" >&2
      die "istiod $rev exited (log: $state/$rev/istiod.log)"
    fi
    ((SECONDS < deadline)) || die "timed out after ${timeout}s waiting for $what (log: $state/$rev/istiod.log)"
    sleep 0.5
  done
}

# --- commands ----------------------------------------------------------------------------------------------------

installed_revisions() {
  kubectl get deployments -n "$namespace" -l app=istiod -o go-template='{{range .items}}{{index .metadata.labels "istio.io/rev"}}{{"\n"}}{{end}}'
}

default_revision() {
  local revisions
  revisions=$(installed_revisions)
  case $(grep -c . <<<"$revisions") in
    0) die "no istiod Deployment in $namespace: install the stack first" ;;
    1) echo "$revisions" ;;
    *) die "several revisions are installed ($(tr '\n' ' ' <<<"$revisions")); name one" ;;
  esac
}

cmd_start() {
  local rev=${1:-} dir t0=$SECONDS pid name value port pod_env env=() args=() taken=()
  [[ -x $bin/pilot-discovery ]] || die "pilot-discovery is not built (scripts/tools/istio.sh)"
  [[ -x $bin/clusternet ]] || die "clusternet is not built (scripts/tools/kube.sh)"
  [[ -f $cluster_kubeconfig ]] || die "the local cluster is not set up (scripts/cluster.sh start)"
  [[ -n $rev ]] || rev=$(default_revision)
  dir=$state/$rev

  kubectl get deployment "istiod-$rev" -n "$namespace" >/dev/null 2>&1 ||
    die "no Deployment istiod-$rev in $namespace (installed: $(installed_revisions | tr '\n' ' '))"
  for name in "istio-$rev" "istio-sidecar-injector-$rev"; do
    kubectl get configmap "$name" -n "$namespace" >/dev/null 2>&1 ||
      die "no ConfigMap $name in $namespace: the stack's istiod chart is not fully applied"
  done

  if pid=$(pid_of "$rev"); then
    log "istiod $rev already runs (pid $pid)"
    start_refresher "$rev"
    register_backends "$rev"
  else
    mkdir -p "$dir"
    rm -f "$dir/pid"
    rm -rf "$dir/etc/cacerts" "$dir/cacerts.version"
    write_cacerts "$dir"
    write_kubeconfig "$rev" "$dir/kubeconfig"

    # One free loopback port for each of istiod's listeners, keyed by the pod's port.
    : >"$dir/ports"
    for port in 8080 15010 15012 15014 15017 9876; do
      taken+=("$(free_port "${taken[@]}")")
      echo "$port=127.0.0.1:${taken[-1]}" >>"$dir/ports"
    done
    p() { sed -n "s/^$1=//p" "$dir/ports"; }

    # The pod's environment only (nothing of this shell's), then what differs here.
    env=(PATH=/usr/bin:/bin HOME="$dir")
    pod_env=$(pod_env "$rev")
    while IFS=$'\t' read -r name value; do
      [[ -n $name ]] && env+=("$name=$value")
    done <<<"$pod_env"
    env+=(KUBECONFIG="$dir/kubeconfig" ROOT_CA_DIR="$dir/etc/cacerts")

    mapfile -t args < <(pod_args "$rev")
    [[ ${args[0]:-} == discovery ]] || die "istiod-$rev: unexpected container args: ${args[*]}"
    # Later flags win: every listener moves to its loopback port.
    args+=(
      --httpAddr="$(p 8080)"
      --grpcAddr="$(p 15010)"
      --secureGRPCAddr="$(p 15012)"
      --monitoringAddr="$(p 15014)"
      --httpsAddr="$(p 15017)"
      --ctrlz_address=127.0.0.1 --ctrlz_port="$(p 9876 | sed 's/.*://')"
    )

    log "starting istiod $rev ($("$bin/pilot-discovery" version -s 2>/dev/null | tail -n1)), log $dir/istiod.log"
    # setsid: its own session, so it outlives the shell that started it (as cluster.sh does).
    (cd "$dir" && exec setsid env -i "${env[@]}" "$bin/pilot-discovery" "${args[@]}") >>"$dir/istiod.log" 2>&1 </dev/null &
    echo $! >"$dir/pid"
    start_refresher "$rev"
    # Registered at once: istiod checks that the API server reaches its validation webhook before it makes
    # validation fail closed, and retries with a growing back-off when that fails.
    register_backends "$rev"
  fi

  wait_until 120 "istiod $rev to be ready" "$rev" ready "$rev"
  wait_until 120 "istiod $rev to patch its webhooks" "$rev" webhooks_patched "$rev"
  log "istiod $rev ready and its webhooks patched in $((SECONDS - t0))s (pid $(pid_of "$rev"))"
  sed 's/^/[istiod]   port /' "$dir/ports" >&2
}

cmd_stop() {
  local rev pid revisions=("$@") i
  if ((${#revisions[@]} == 0)); then
    for dir in "$state"/*/; do [[ -d $dir ]] && revisions+=("$(basename "$dir")"); done
  fi
  for rev in "${revisions[@]}"; do
    # Backends first, as endpoints go before a pod terminates: new calls fail at once from here on.
    unregister_backends "$rev"
    if pid=$(pid_of "$rev"); then
      kill -TERM "$pid" 2>/dev/null || true
      # istiod drains for --shutdownDuration (10s by default) before it exits.
      for ((i = 0; i < 300; i++)); do
        [[ -e /proc/$pid ]] || break
        sleep 0.1
      done
      if [[ -e /proc/$pid ]]; then
        log "istiod $rev did not stop in 30s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
      fi
      log "stopped istiod $rev"
    fi
    if pid=$(refresher_pid_of "$rev"); then
      kill -TERM "$pid" 2>/dev/null || true
    fi
    rm -f "$state/$rev/pid" "$state/$rev/refresher.pid"
  done
}

cmd_status() {
  local rev pid revisions=("$@")
  if ((${#revisions[@]} == 0)); then
    for dir in "$state"/*/; do [[ -d $dir ]] && revisions+=("$(basename "$dir")"); done
  fi
  ((${#revisions[@]} > 0)) || { echo "no istiod was started here"; return; }
  for rev in "${revisions[@]}"; do
    if pid=$(pid_of "$rev"); then
      if ready "$rev" 2>/dev/null; then
        printf 'istiod %-20s running (pid %s), ready\n' "$rev" "$pid"
      else
        printf 'istiod %-20s running (pid %s), not ready\n' "$rev" "$pid"
      fi
      sed 's/^/  port /' "$state/$rev/ports"
      [[ -f $state/$rev/registered ]] && sed 's/^/  backend of /' "$state/$rev/registered"
    else
      printf 'istiod %-20s stopped\n' "$rev"
    fi
  done
}

case ${1:-} in
  start) cmd_start "${2:-}" ;;
  stop) shift; cmd_stop "$@" ;;
  status) shift; cmd_status "$@" ;;
  refresh-cacerts) cmd_refresh_cacerts "$2" ;;
  *)
    echo "usage: $0 start|stop|status [revision]" >&2
    exit 2
    ;;
esac
