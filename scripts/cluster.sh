#!/usr/bin/env bash
# A local Kubernetes control plane with simulated nodes, no container runtime:
# etcd + kube-apiserver + kube-controller-manager + kube-scheduler, and kwok
# playing the kubelets (nodes turn Ready, scheduled pods turn Running/Ready;
# no container is ever started and no image is pulled).
#
# Everything listens on 127.0.0.1 only, on non-default ports; all state
# (certificates, etcd data, kubeconfig, logs, pid files) is under
# .local/cluster/. The binaries come from scripts/tools/kube.sh.
#
# The "cluster network" (the API server's calls to webhooks, aggregated APIs,
# kubelets) is clusternet, when built: it forwards a connection to a Service's
# cluster IP to a local process registered as that Service's backend (e.g.
# istiod run by scripts/istiod.sh), and refuses everything else at once.
#
# Usage:
#   scripts/cluster.sh start          start (no-op if running), wait until ready,
#                                     print the kubeconfig path
#   scripts/cluster.sh stop [--wipe]  stop everything; --wipe also deletes the
#                                     cluster's state (etcd data, certs, logs)
#   scripts/cluster.sh status         what runs
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.local/bin"
# MESH_CLUSTER names a second, independent cluster (its own state folder; ports shifted by MESH_CLUSTER_PORT_OFFSET),
# so that two suites or a benchmark can run side by side.
state="$root/.local/${MESH_CLUSTER:-cluster}"
pki="$state/pki"
logs="$state/logs"
run="$state/run"
kubeconfig="$state/kubeconfig"

offset=${MESH_CLUSTER_PORT_OFFSET:-0}
ETCD_PORT=$((23790 + offset))
ETCD_PEER_PORT=$((23800 + offset))
APISERVER_PORT=$((16443 + offset))
CONTROLLER_MANAGER_PORT=$((16257 + offset))
SCHEDULER_PORT=$((16259 + offset))
NODES=${KWOK_NODES:-3}
# Cluster IPs and pod IPs are only numbers written into objects: no process
# here serves them. The egress selector below keeps the apiserver from
# dialling them.
SERVICE_CIDR=10.96.0.0/16
KUBERNETES_SERVICE_IP=10.96.0.1
POD_CIDR=10.0.0.1/24
NODE_IP=10.0.0.1

# The cluster network proxy (see write_egress_config) and its backend registry.
network_socket="$run/cluster-network.sock"
backends="$run/backends.json"

components=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
# clusternet is optional: without it the cluster network simply does not exist.
with_clusternet() {
  [[ -x $bin/clusternet || -f $run/clusternet.pid ]] || return 0
  [[ " ${components[*]} " == *" clusternet "* ]] || components+=(clusternet)
}
with_clusternet

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

kubectl() { command kubectl --kubeconfig "$kubeconfig" "$@"; }

ensure_kubectl() {
  type -P kubectl >/dev/null && return
  [[ $(id -u) == 0 ]] || die "kubectl not found; install Debian's kubectl package"
  log "installing kubectl (apt)"
  apt-get update -qq >/dev/null && apt-get install -y -qq kubectl >/dev/null
}

# --- processes ----------------------------------------------------------------

pid_of() {
  # Prints the pid of a running component; fails if it does not run. The pid
  # file alone is not trusted: the process must still be our binary, or a
  # reused pid could get killed.
  local name=$1 pid cmd
  [[ -f $run/$name.pid ]] || return 1
  pid=$(<"$run/$name.pid")
  [[ -r /proc/$pid/cmdline ]] || return 1
  cmd=$(tr '\0' '\n' <"/proc/$pid/cmdline" | head -n1)
  [[ $cmd == "$bin/$name" ]] || return 1
  echo "$pid"
}

running() { pid_of "$1" >/dev/null; }

launch() {
  local name=$1
  shift
  if running "$name"; then return; fi
  mkdir -p "$logs" "$run"
  # setsid: own session, so the components outlive the shell that started them
  # and a Ctrl-C there does not reach them.
  setsid "$bin/$name" "$@" >>"$logs/$name.log" 2>&1 </dev/null &
  echo $! >"$run/$name.pid"
  # Until the forked shell has exec'd setsid and setsid the binary, the pid's
  # command line is theirs, and pid_of would take the component for exited.
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -r /proc/$!/cmdline && $(tr '\0' '\n' <"/proc/$!/cmdline" | head -n1) != "$bin/$name" ]] || break
    sleep 0.05
  done
  log "started $name (pid $!, log $logs/$name.log)"
}

stop_component() {
  local name=$1 pid i
  pid=$(pid_of "$name") || { rm -f "$run/$name.pid"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    [[ -e /proc/$pid ]] || break
    sleep 0.1
  done
  if [[ -e /proc/$pid ]]; then
    log "$name did not stop in 10s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$run/$name.pid"
  log "stopped $name"
}

port_free() { ! ss -Hltn "sport = :$1" | grep -q .; }

# Fails at once when a launched component has exited (bad flag, port taken),
# rather than at the end of a wait; shows the end of its log.
check_alive() {
  local c
  for c in "${components[@]}"; do
    [[ -f $run/$c.pid ]] || continue
    running "$c" && continue
    tail -n 20 "$logs/$c.log" >&2
    die "$c exited (log: $logs/$c.log)"
  done
}

# wait_for SECONDS WHAT COMMAND...: polls COMMAND until it succeeds.
wait_for() {
  local timeout=$1 what=$2 deadline
  shift 2
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    check_alive
    ((SECONDS < deadline)) || die "timed out after ${timeout}s waiting for $what (logs: $logs)"
    sleep 0.25
  done
}

# --- certificates and kubeconfigs ---------------------------------------------

# ca NAME: a self-signed certificate authority.
ca() {
  local name=$1
  [[ -f $pki/$name.crt ]] && return
  openssl ecparam -name prime256v1 -genkey -noout -out "$pki/$name.key" 2>/dev/null
  openssl req -x509 -new -key "$pki/$name.key" -subj "/CN=local-kubernetes-$name" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$pki/$name.crt"
}

# cert CA NAME SUBJECT EXTENSIONS: key and certificate signed by CA.
cert() {
  local ca=$1 name=$2 subject=$3 ext=$4
  [[ -f $pki/$name.crt ]] && return
  openssl ecparam -name prime256v1 -genkey -noout -out "$pki/$name.key" 2>/dev/null
  openssl req -new -key "$pki/$name.key" -subj "$subject" -out "$pki/$name.csr"
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/$ca.crt" -CAkey "$pki/$ca.key" \
    -CAcreateserial -days 3650 -sha256 -extfile <(printf '%s\n' "$ext") \
    -out "$pki/$name.crt" 2>/dev/null
  rm -f "$pki/$name.csr"
}

# write_kubeconfig FILE CERT-NAME: a kubeconfig that logs in with a client
# certificate. Certificates are embedded so the file can be copied elsewhere.
write_kubeconfig() {
  local file=$1 name=$2
  [[ -f $file ]] && return
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority-data: $(base64 -w0 <"$pki/ca.crt")
users:
- name: $name
  user:
    client-certificate-data: $(base64 -w0 <"$pki/$name.crt")
    client-key-data: $(base64 -w0 <"$pki/$name.key")
contexts:
- name: local
  context:
    cluster: local
    user: $name
current-context: local
EOF
  chmod 600 "$file"
}

make_pki() {
  mkdir -p "$pki"
  chmod 700 "$pki"
  ca ca
  local client="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
  # The apiserver's serving certificate: the names clients use here and the
  # in-cluster names of the kubernetes Service.
  cert ca apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,IP:$KUBERNETES_SERVICE_IP,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  # O=system:masters: bound to cluster-admin without any RBAC object.
  cert ca admin "/O=system:masters/CN=kubernetes-admin" "$client"
  # The controller-manager and scheduler log in as the users their built-in
  # RBAC roles (system:kube-controller-manager, system:kube-scheduler) name.
  cert ca controller-manager "/CN=system:kube-controller-manager" "$client"
  cert ca scheduler "/CN=system:kube-scheduler" "$client"
  # Front proxy (request-header authentication): the apiserver proves itself
  # with this client certificate when it forwards to aggregated APIs, and the
  # controller-manager and scheduler read its CA from the
  # extension-apiserver-authentication ConfigMap (they log errors every few
  # seconds when it lacks one). A CA of its own, as kubeadm does, so no other
  # client certificate can pass as the proxy.
  ca front-proxy-ca
  cert front-proxy-ca front-proxy-client "/CN=front-proxy-client" "$client"
  # Service-account tokens: the apiserver signs and checks them with this pair,
  # the controller-manager signs the legacy token Secrets with the private key.
  if [[ ! -f $pki/sa.key ]]; then
    openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
    openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  fi
  chmod 600 "$pki"/*.key

  write_kubeconfig "$kubeconfig" admin
  write_kubeconfig "$state/controller-manager.kubeconfig" controller-manager
  write_kubeconfig "$state/scheduler.kubeconfig" scheduler
}

# --- configuration files --------------------------------------------------------

# The apiserver dials the "cluster" network for webhooks, aggregated APIs and
# kubelets (logs, exec, port-forward). Those addresses (service and pod IPs,
# the fake nodes' IP) exist only on paper here, so that traffic goes as HTTP
# CONNECT to a unix socket: clusternet serves it when built and running, and
# forwards only connections to Services with a registered local backend; any
# other call (and every call while nothing listens on the socket) fails at
# once instead of leaving the machine. etcd and the apiserver's own loopback
# traffic stay direct.
write_egress_config() {
  local file="$state/egress-selector.yaml"
  # The apiserver reads this file at start only.
  if running kube-apiserver && [[ -f $file ]] && ! grep -qF "udsName: $network_socket" "$file"; then
    log "warning: the running kube-apiserver was started with another cluster network socket;" \
      "restart the cluster (stop, then start) to use clusternet"
  fi
  cat >"$file" <<EOF
apiVersion: apiserver.k8s.io/v1beta1
kind: EgressSelectorConfiguration
egressSelections:
- name: cluster
  connection:
    proxyProtocol: HTTPConnect
    transport:
      uds:
        udsName: $network_socket
EOF
}

# kwok (the standalone controller, unlike kwokctl) has no built-in behaviour:
# without Stage objects it does nothing. Its default stages are kwokctl's
# "fast" set (kustomize/stage/fast in the kwok module): node-initialize,
# node-heartbeat-with-lease, pod-ready, pod-complete, pod-delete. They are
# copied verbatim from the module version kube.sh built.
write_kwok_config() {
  local module dir f
  [[ -f $bin/.kwok.stamp ]] || die "kwok not built (run scripts/tools/kube.sh)"
  module=$(<"$bin/.kwok.stamp")
  dir=$(cd "$root/.local" && GOTOOLCHAIN=local go mod download -json "$module" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  [[ -d $dir/kustomize/stage ]] || die "kwok stages not found in the module cache ($module)"
  {
    for f in node/fast/node-initialize.yaml \
      node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
      pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
      echo "---"
      cat "$dir/kustomize/stage/$f"
    done
  } >"$state/kwok.yaml"
}

# Fake nodes: kwok manages the ones carrying its annotation. No taints, so
# ordinary workloads schedule on them; capacity is generous because nothing
# really runs.
nodes_yaml() {
  local i name
  for ((i = 0; i < NODES; i++)); do
    name=kwok-node-$i
    cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: $name
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: $name
    node-role.kubernetes.io/agent: ""
spec: {}
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "110"}
  capacity: {cpu: "32", memory: 256Gi, pods: "110"}
EOF
  done
}

# --- components -------------------------------------------------------------------

start_etcd() {
  launch etcd \
    --name=local \
    --data-dir="$state/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="local=http://127.0.0.1:$ETCD_PEER_PORT" \
    --auto-compaction-retention=1 \
    --log-level=warn
  # Plain HTTP is fine: it listens on loopback only.
  wait_for 60 etcd curl -fsS "http://127.0.0.1:$ETCD_PORT/health"
}

start_apiserver() {
  # Flags, and why:
  #   --advertise-address: the IP put into the "kubernetes" Service's endpoints.
  #     On a loopback bind address the apiserver would otherwise look up the
  #     host's default-route interface (absent on an offline machine); a
  #     documentation address (TEST-NET-1) is never dialled (see egress above).
  #   --authorization-mode=Node,RBAC: as on a real cluster, so RBAC objects
  #     that charts ship are exercised.
  #   --allow-privileged: charts with privileged containers (CNI agents) must
  #     be accepted.
  #   --enable-priority-and-fairness=false: one user, no need for request
  #     queuing; saves start-up work.
  #   Admission: the defaults already include MutatingAdmissionWebhook,
  #     ValidatingAdmissionWebhook and ValidatingAdmissionPolicy.
  launch kube-apiserver \
    --bind-address=127.0.0.1 \
    --secure-port="$APISERVER_PORT" \
    --advertise-address=192.0.2.1 \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --tls-cert-file="$pki/apiserver.crt" \
    --tls-private-key-file="$pki/apiserver.key" \
    --client-ca-file="$pki/ca.crt" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$pki/sa.pub" \
    --service-account-signing-key-file="$pki/sa.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --authorization-mode=Node,RBAC \
    --allow-privileged=true \
    --enable-priority-and-fairness=false \
    --egress-selector-config-file="$state/egress-selector.yaml" \
    --requestheader-client-ca-file="$pki/front-proxy-ca.crt" \
    --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User \
    --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$pki/front-proxy-client.crt" \
    --proxy-client-key-file="$pki/front-proxy-client.key"
  # /readyz turns ok once etcd answers and every post-start hook (built-in RBAC
  # roles, priority classes, system namespaces) is done.
  wait_for 180 "kube-apiserver /readyz" apiserver_ready
}

apiserver_ready() {
  [[ $(curl -fsS --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" \
    "https://127.0.0.1:$APISERVER_PORT/readyz" 2>/dev/null) == ok ]]
}

start_controller_manager() {
  #   --controllers=*: every default controller (Deployments, ReplicaSets,
  #     DaemonSets, Jobs, namespaces, garbage collector, service accounts, ...).
  #   --use-service-account-credentials: each controller acts as its own
  #     service account, so RBAC applies as in a real cluster.
  #   --service-account-private-key-file / --root-ca-file: for the token
  #     Secrets and the kube-root-ca.crt ConfigMap in every namespace.
  #   --cluster-signing-*: lets the CSR signer issue certificates from the
  #     cluster CA.
  #   --leader-elect=false: a single instance; with leader election a restart
  #     waits for the previous run's lease to lapse.
  #   --authentication/authorization-kubeconfig: for its own HTTPS port
  #     (health checks, metrics), bound to loopback.
  launch kube-controller-manager \
    --kubeconfig="$state/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$state/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$state/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 \
    --secure-port="$CONTROLLER_MANAGER_PORT" \
    --controllers='*' \
    --use-service-account-credentials=true \
    --service-account-private-key-file="$pki/sa.key" \
    --root-ca-file="$pki/ca.crt" \
    --cluster-signing-cert-file="$pki/ca.crt" \
    --cluster-signing-key-file="$pki/ca.key" \
    --leader-elect=false
}

start_scheduler() {
  launch kube-scheduler \
    --kubeconfig="$state/scheduler.kubeconfig" \
    --authentication-kubeconfig="$state/scheduler.kubeconfig" \
    --authorization-kubeconfig="$state/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 \
    --secure-port="$SCHEDULER_PORT" \
    --leader-elect=false
}

start_kwok() {
  # Manages only nodes carrying the kwok annotation (the three selector flags
  # must be cleared: "manage single node" and "manage all nodes" conflict with
  # a selector). --cidr and --node-ip are the pod IPs and node address kwok
  # writes into status; nothing is ever sent to them. No --node-port and no
  # --server-address: kwok opens no port (no logs/exec emulation).
  # --node-lease-duration-seconds: kwok renews a Lease per node, as kubelets do,
  # so the node lifecycle controller keeps the nodes Ready. Without the flag
  # kwok v0.8.0 keeps no Leases at all, although 40 is its documented default.
  # HOME: kwok also reads ~/.kwok/kwok.yaml when present; keep a user's file
  # (e.g. from kwokctl) out of this cluster.
  running kwok && return
  # A kwok process holds its node Leases under a random identity; a new one
  # waits for the old Leases to expire (40s) before it manages the nodes and
  # their pods. No kwok runs now, so drop the stale Leases.
  kubectl delete leases -n kube-node-lease --all --ignore-not-found >/dev/null
  mkdir -p "$state/kwok-home"
  HOME="$state/kwok-home" launch kwok \
    --kubeconfig="$kubeconfig" \
    --config="$state/kwok.yaml" \
    --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --manage-nodes-with-label-selector= \
    --manage-single-node= \
    --cidr="$POD_CIDR" \
    --node-ip="$NODE_IP" \
    --node-lease-duration-seconds=40
}

start_clusternet() {
  [[ -x $bin/clusternet ]] || return 0
  # Watches Services with the admin credentials (it only lists and watches
  # them); the registry file is read on every connection.
  launch clusternet serve \
    -socket "$network_socket" \
    -registry "$backends" \
    -server "https://127.0.0.1:$APISERVER_PORT" \
    -ca "$pki/ca.crt" \
    -cert "$pki/admin.crt" \
    -key "$pki/admin.key"
  wait_for 30 "the cluster network socket" test -S "$network_socket"
}

# kwok reports "kwok-<version>" as the nodes' kubelet version unless the
# Node's status names one. Clients that gate features on the kubelet version
# (istiod injects native sidecars only on kubelets 1.33 or later) should see
# what a real cluster of this version reports. The status subresource is
# patched, so nodes created earlier get it too.
report_kubelet_version() {
  local version i
  version=$(<"$bin/.kubernetes.stamp")
  version=${version##*@}
  for ((i = 0; i < NODES; i++)); do
    kubectl patch node "kwok-node-$i" --subresource=status --type=merge \
      -p "{\"status\":{\"nodeInfo\":{\"kubeletVersion\":\"$version\"}}}" >/dev/null
  done
}

nodes_ready() {
  local ready
  ready=$(kubectl get nodes -l type=kwok \
    -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' |
    grep -c '^True$' || true)
  ((ready >= NODES))
}

# --- commands ---------------------------------------------------------------------

cmd_start() {
  local t0=$SECONDS c all=true
  for c in "${components[@]}"; do running "$c" || all=false; done
  if $all && apiserver_ready && nodes_ready 2>/dev/null; then
    # Nodes of a cluster made before the kubelet version was reported.
    report_kubelet_version
    log "already running"
    echo "$kubeconfig"
    return
  fi

  ensure_kubectl
  # Builds the binaries on the first run; later runs only check stamps.
  bash "$root/scripts/tools/kube.sh" >&2
  with_clusternet
  mkdir -p "$state" "$logs" "$run"
  # Pid files of components that died are stale: check_alive would take them
  # for a failed start.
  for c in "${components[@]}"; do running "$c" || rm -f "$run/$c.pid"; done

  for port in $ETCD_PORT $ETCD_PEER_PORT $APISERVER_PORT $CONTROLLER_MANAGER_PORT $SCHEDULER_PORT; do
    case $port in
      "$ETCD_PORT" | "$ETCD_PEER_PORT") c=etcd ;;
      "$APISERVER_PORT") c=kube-apiserver ;;
      "$CONTROLLER_MANAGER_PORT") c=kube-controller-manager ;;
      "$SCHEDULER_PORT") c=kube-scheduler ;;
    esac
    running "$c" || port_free "$port" || die "port 127.0.0.1:$port is taken by another process"
  done

  make_pki
  write_egress_config
  write_kwok_config

  start_etcd
  start_apiserver
  start_clusternet
  start_controller_manager
  start_scheduler
  start_kwok

  nodes_yaml | kubectl apply -f - >/dev/null
  report_kubelet_version
  wait_for 120 "${NODES} Ready nodes" nodes_ready
  # Pods are refused until the namespace's default ServiceAccount exists; the
  # controller-manager creates it shortly after start.
  wait_for 120 "the default ServiceAccount" kubectl get serviceaccount default -n default
  log "ready in $((SECONDS - t0))s"
  echo "$kubeconfig"
}

cmd_stop() {
  local wipe=false c
  case ${1:-} in
    --wipe) wipe=true ;;
    "") ;;
    *) die "unknown option: $1 (stop [--wipe])" ;;
  esac
  # Clients first, in parallel (each takes a second or two to shut down), then
  # the apiserver, then etcd, so nothing loses its server while writing.
  # clusternet is among the clients: its open watch of Services would hold the
  # apiserver's graceful shutdown past the 10s stop_component waits.
  for c in kwok kube-scheduler kube-controller-manager clusternet; do stop_component "$c" & done
  wait
  stop_component kube-apiserver
  stop_component etcd
  if $wipe; then
    rm -rf "$state"
    log "wiped $state"
  fi
}

cmd_status() {
  local c pid any=false
  for c in "${components[@]}"; do
    if pid=$(pid_of "$c"); then
      printf '%-24s running (pid %s)\n' "$c" "$pid"
      any=true
    else
      printf '%-24s stopped\n' "$c"
    fi
  done
  if $any && apiserver_ready; then
    echo "apiserver: https://127.0.0.1:$APISERVER_PORT ready; kubeconfig: $kubeconfig"
    kubectl get nodes -o wide 2>/dev/null || true
  fi
  if [[ -s $backends ]]; then
    echo "cluster network backends ($backends):"
    grep '":' "$backends" || true
  fi
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop "${2:-}" ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 start | stop [--wipe] | status" >&2
    exit 2
    ;;
esac
