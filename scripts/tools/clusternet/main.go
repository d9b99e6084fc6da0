// Command clusternet is the local cluster's "cluster network": the kube-apiserver's egress selector sends every
// connection to the cluster network (webhooks, aggregated APIs, kubelets) as an HTTP CONNECT over a unix socket, and
// this program answers it. It plays kube-proxy for the few Services that have a process on this machine behind
// them:
//
//	CONNECT <cluster IP>:<port>  ->  the Service with that spec.clusterIP (watched through the API server)
//	                             ->  the port's targetPort
//	                             ->  the loopback address registered for "<namespace>/<service>:<targetPort>"
//
// Anything else (pod and node IPs, Services with no registered backend, unregistered target ports) is refused at
// once with a 503 whose reason names what is missing; the API server puts that reason into its error message. Only
// bytes are forwarded: TLS (a webhook's, for instance) stays end to end between the API server and the backend.
//
// The registry is a JSON object in a file, read on every connection, so registering needs no signal:
//
//	{"istio-system/istiod-1-30-3:15017": "127.0.0.1:41017"}
//
// Usage:
//
//	clusternet serve -socket PATH -registry FILE -server URL -ca FILE -cert FILE -key FILE
//	clusternet register -registry FILE KEY ADDRESS      (ADDRESS must be a loopback host:port)
//	clusternet unregister -registry FILE KEY...
//	clusternet lookup -registry FILE KEY                (prints the address; exit 1 when none)
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "register":
		err = register(os.Args[2:])
	case "unregister":
		err = unregister(os.Args[2:])
	case "lookup":
		err = lookup(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "clusternet: %v\n", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: clusternet serve|register|unregister|lookup [flags] (see the source's header)")
	os.Exit(2)
}

// --- the registry --------------------------------------------------------------------------------------------

func readRegistry(file string) (map[string]string, error) {
	entries := map[string]string{}
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return entries, nil
	}
	if err != nil {
		return nil, err
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return entries, nil
	}
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return entries, nil
}

// updateRegistry applies change to the registry under an exclusive lock (several istiod instances may register at
// once) and replaces the file atomically, so the server never reads half a file.
func updateRegistry(file string, change func(map[string]string) error) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	lock, err := os.OpenFile(file+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	entries, err := readRegistry(file)
	if err != nil {
		return err
	}
	if err := change(entries); err != nil {
		return err
	}
	data, err := json.MarshalIndent(entries, "", "  ")
	if err != nil {
		return err
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}

// loopbackAddress checks that a backend is host:port on a loopback IP: this network never leaves the machine.
func loopbackAddress(address string) error {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("backend %q: %w", address, err)
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("backend %q: only loopback IPs are allowed", address)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("backend %q: bad port", address)
	}
	return nil
}

// validKey checks "<namespace>/<service>:<targetPort>" (the target port a number or a port name).
func validKey(key string) error {
	slash, colon := strings.Index(key, "/"), strings.LastIndex(key, ":")
	if slash <= 0 || colon < slash+2 || colon == len(key)-1 {
		return fmt.Errorf("key %q: want <namespace>/<service>:<targetPort>", key)
	}
	return nil
}

func registryFlags(name string, args []string) (*string, []string) {
	flags := flag.NewFlagSet(name, flag.ExitOnError)
	file := flags.String("registry", "", "the registry file")
	_ = flags.Parse(args)
	if *file == "" {
		fmt.Fprintf(os.Stderr, "clusternet %s: -registry is required\n", name)
		os.Exit(2)
	}
	return file, flags.Args()
}

func register(args []string) error {
	file, rest := registryFlags("register", args)
	if len(rest) != 2 {
		return errors.New("register: want KEY ADDRESS")
	}
	key, address := rest[0], rest[1]
	if err := validKey(key); err != nil {
		return err
	}
	if err := loopbackAddress(address); err != nil {
		return err
	}
	return updateRegistry(*file, func(entries map[string]string) error {
		entries[key] = address
		return nil
	})
}

func unregister(args []string) error {
	file, keys := registryFlags("unregister", args)
	return updateRegistry(*file, func(entries map[string]string) error {
		for _, key := range keys {
			delete(entries, key)
		}
		return nil
	})
}

func lookup(args []string) error {
	file, rest := registryFlags("lookup", args)
	if len(rest) != 1 {
		return errors.New("lookup: want KEY")
	}
	entries, err := readRegistry(*file)
	if err != nil {
		return err
	}
	address, ok := entries[rest[0]]
	if !ok {
		os.Exit(1)
	}
	fmt.Println(address)
	return nil
}

// --- Services, watched through the API server ------------------------------------------------------------------

type servicePort struct {
	Name       string          `json:"name"`
	Port       int             `json:"port"`
	Protocol   string          `json:"protocol"`
	TargetPort json.RawMessage `json:"targetPort"`
}

type service struct {
	Metadata struct {
		Name            string `json:"name"`
		Namespace       string `json:"namespace"`
		ResourceVersion string `json:"resourceVersion"`
	} `json:"metadata"`
	Spec struct {
		ClusterIP  string        `json:"clusterIP"`
		ClusterIPs []string      `json:"clusterIPs"`
		Ports      []servicePort `json:"ports"`
	} `json:"spec"`
}

func (s *service) id() string { return s.Metadata.Namespace + "/" + s.Metadata.Name }

func (s *service) ips() []string {
	ips := s.Spec.ClusterIPs
	if len(ips) == 0 && s.Spec.ClusterIP != "" {
		ips = []string{s.Spec.ClusterIP}
	}
	var out []string
	for _, ip := range ips {
		if ip != "None" && ip != "" {
			out = append(out, ip)
		}
	}
	return out
}

// targetPort is the port's targetPort as the registry key spells it: a number, a port name, or (unset) the port.
func (p servicePort) targetPort() string {
	raw := strings.TrimSpace(string(p.TargetPort))
	if raw == "" || raw == "null" || raw == "0" {
		return strconv.Itoa(p.Port)
	}
	var name string
	if json.Unmarshal(p.TargetPort, &name) == nil {
		return name
	}
	return raw
}

type services struct {
	mu     sync.RWMutex
	synced bool
	byID   map[string]*service
	byIP   map[string]*service
}

func newServices() *services {
	return &services{byID: map[string]*service{}, byIP: map[string]*service{}}
}

func (c *services) remove(id string) {
	if old, ok := c.byID[id]; ok {
		for _, ip := range old.ips() {
			if c.byIP[ip] == old {
				delete(c.byIP, ip)
			}
		}
		delete(c.byID, id)
	}
}

func (c *services) put(s *service) {
	c.remove(s.id())
	c.byID[s.id()] = s
	for _, ip := range s.ips() {
		c.byIP[ip] = s
	}
}

func (c *services) replace(items []*service) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byID, c.byIP = map[string]*service{}, map[string]*service{}
	for _, s := range items {
		c.put(s)
	}
	c.synced = true
}

func (c *services) apply(kind string, s *service) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch kind {
	case "ADDED", "MODIFIED":
		c.put(s)
	case "DELETED":
		c.remove(s.id())
	}
}

// find returns the Service with this cluster IP and the target port of its TCP port `port`.
func (c *services) find(ip string, port int) (svc *service, target string, reason string) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.synced {
		return nil, "", "the Service list is not loaded yet"
	}
	s, ok := c.byIP[ip]
	if !ok {
		return nil, "", fmt.Sprintf("no Service has cluster IP %s", ip)
	}
	for _, p := range s.Spec.Ports {
		if p.Port == port && (p.Protocol == "" || p.Protocol == "TCP") {
			return s, p.targetPort(), ""
		}
	}
	return nil, "", fmt.Sprintf("Service %s has no TCP port %d", s.id(), port)
}

type apiClient struct {
	server string
	http   *http.Client
}

func newAPIClient(server, caFile, certFile, keyFile string) (*apiClient, error) {
	ca, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("%s: no certificate", caFile)
	}
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	transport := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12},
		// The API server is on loopback; never go through a proxy from the environment.
		Proxy: nil,
	}
	return &apiClient{server: strings.TrimRight(server, "/"), http: &http.Client{Transport: transport}}, nil
}

type statusError struct{ code int }

func (e statusError) Error() string { return fmt.Sprintf("HTTP %d", e.code) }

func (a *apiClient) get(ctx context.Context, query url.Values) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.server+"/api/v1/services?"+query.Encode(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	res, err := a.http.Do(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		res.Body.Close()
		return nil, statusError{res.StatusCode}
	}
	return res, nil
}

func (a *apiClient) list(ctx context.Context) ([]*service, string, error) {
	res, err := a.get(ctx, url.Values{})
	if err != nil {
		return nil, "", err
	}
	defer res.Body.Close()
	var list struct {
		Metadata struct {
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
		Items []*service `json:"items"`
	}
	if err := json.NewDecoder(res.Body).Decode(&list); err != nil {
		return nil, "", err
	}
	return list.Items, list.Metadata.ResourceVersion, nil
}

var errRelist = errors.New("resource version too old")

// watch applies events from resourceVersion on; it returns the last version seen when the server ends the stream,
// or errRelist when the version is gone.
func (a *apiClient) watch(ctx context.Context, cache *services, resourceVersion string) (string, error) {
	res, err := a.get(ctx, url.Values{
		"watch":               {"true"},
		"resourceVersion":     {resourceVersion},
		"allowWatchBookmarks": {"true"},
		"timeoutSeconds":      {"300"},
	})
	if err != nil {
		return resourceVersion, err
	}
	defer res.Body.Close()
	decoder := json.NewDecoder(res.Body)
	for {
		var event struct {
			Type   string          `json:"type"`
			Object json.RawMessage `json:"object"`
		}
		if err := decoder.Decode(&event); err != nil {
			if errors.Is(err, io.EOF) {
				return resourceVersion, nil
			}
			return resourceVersion, err
		}
		if event.Type == "ERROR" {
			var status struct {
				Code int `json:"code"`
			}
			_ = json.Unmarshal(event.Object, &status)
			if status.Code == http.StatusGone {
				return resourceVersion, errRelist
			}
			return resourceVersion, fmt.Errorf("watch error: %s", event.Object)
		}
		var s service
		if err := json.Unmarshal(event.Object, &s); err != nil {
			return resourceVersion, err
		}
		if s.Metadata.ResourceVersion != "" {
			resourceVersion = s.Metadata.ResourceVersion
		}
		if event.Type != "BOOKMARK" {
			cache.apply(event.Type, &s)
		}
	}
}

// follow keeps the cache in step with the API server: list, then watch; relist after any error.
func (a *apiClient) follow(ctx context.Context, cache *services) {
	for ctx.Err() == nil {
		items, version, err := a.list(ctx)
		if err != nil {
			log.Printf("listing Services: %v (retrying)", err)
			sleep(ctx, time.Second)
			continue
		}
		cache.replace(items)
		for ctx.Err() == nil {
			version, err = a.watch(ctx, cache, version)
			if err != nil {
				if !errors.Is(err, errRelist) && ctx.Err() == nil {
					log.Printf("watching Services: %v (relisting)", err)
					sleep(ctx, time.Second)
				}
				break
			}
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// --- the CONNECT proxy -----------------------------------------------------------------------------------------

type proxy struct {
	cache    *services
	registry string
}

// refuse answers 503 with the reason as the status text: the API server reports the status line of a failed
// CONNECT (`proxy error from ... while dialing <ip>:<port>, code 503: 503 <reason>`).
func refuse(conn net.Conn, target, reason string) {
	reason = strings.Map(func(r rune) rune {
		if r < ' ' {
			return ' '
		}
		return r
	}, reason)
	log.Printf("CONNECT %s refused: %s", target, reason)
	body := reason + "\n"
	fmt.Fprintf(conn, "HTTP/1.1 503 %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		reason, len(body), body)
}

func (p *proxy) handle(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	reader := bufio.NewReader(conn)
	req, err := http.ReadRequest(reader)
	if err != nil {
		return
	}
	_ = conn.SetReadDeadline(time.Time{})
	target := req.URL.Host
	if req.Method != http.MethodConnect || target == "" {
		refuse(conn, req.RequestURI, "only CONNECT <cluster IP>:<port> is served")
		return
	}
	host, portText, err := net.SplitHostPort(target)
	port, portErr := strconv.Atoi(portText)
	if err != nil || portErr != nil {
		refuse(conn, target, "not <ip>:<port>")
		return
	}
	svc, targetPort, reason := p.cache.find(host, port)
	if svc == nil {
		refuse(conn, target, reason)
		return
	}
	key := svc.id() + ":" + targetPort
	entries, err := readRegistry(p.registry)
	if err != nil {
		refuse(conn, target, fmt.Sprintf("reading the backend registry: %v", err))
		return
	}
	backend, ok := entries[key]
	if !ok {
		refuse(conn, target, fmt.Sprintf("no backend registered for %s", key))
		return
	}
	if err := loopbackAddress(backend); err != nil {
		refuse(conn, target, err.Error())
		return
	}
	upstream, err := net.DialTimeout("tcp", backend, 5*time.Second)
	if err != nil {
		refuse(conn, target, fmt.Sprintf("backend %s of %s: %v", backend, key, err))
		return
	}
	defer upstream.Close()
	if _, err := io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	log.Printf("CONNECT %s -> %s -> %s", target, key, backend)
	pipe(conn, reader, upstream)
}

type closeWriter interface{ CloseWrite() error }

// pipe copies both ways; each direction's end is passed on as a half close, so a request/response exchange ends
// cleanly. The reader holds whatever the client sent after the CONNECT request.
func pipe(client net.Conn, fromClient io.Reader, upstream net.Conn) {
	var wg sync.WaitGroup
	wg.Add(2)
	copyThenClose := func(dst net.Conn, src io.Reader) {
		defer wg.Done()
		_, _ = io.Copy(dst, src)
		if cw, ok := dst.(closeWriter); ok {
			_ = cw.CloseWrite()
		} else {
			_ = dst.Close()
		}
	}
	go copyThenClose(upstream, fromClient)
	go copyThenClose(client, upstream)
	wg.Wait()
}

func serve(args []string) error {
	flags := flag.NewFlagSet("serve", flag.ExitOnError)
	socket := flags.String("socket", "", "the unix socket the API server's egress selector dials")
	registry := flags.String("registry", "", "the backend registry file")
	server := flags.String("server", "", "the API server's URL")
	caFile := flags.String("ca", "", "the API server's CA certificate")
	certFile := flags.String("cert", "", "client certificate (may list and watch Services)")
	keyFile := flags.String("key", "", "client key")
	_ = flags.Parse(args)
	for name, value := range map[string]string{"socket": *socket, "registry": *registry, "server": *server, "ca": *caFile, "cert": *certFile, "key": *keyFile} {
		if value == "" {
			return fmt.Errorf("serve: -%s is required", name)
		}
	}
	api, err := newAPIClient(*server, *caFile, *certFile, *keyFile)
	if err != nil {
		return err
	}

	// A socket file left by a process that died is in the way; one that answers belongs to a running instance.
	if c, err := net.Dial("unix", *socket); err == nil {
		c.Close()
		return fmt.Errorf("%s: another instance is listening", *socket)
	}
	_ = os.Remove(*socket)
	listener, err := net.Listen("unix", *socket)
	if err != nil {
		return err
	}
	_ = os.Chmod(*socket, 0o600)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	cache := newServices()
	go api.follow(ctx, cache)
	go func() {
		<-ctx.Done()
		listener.Close() // also removes the socket file
	}()

	entries, _ := readRegistry(*registry)
	keys := make([]string, 0, len(entries))
	for key := range entries {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	log.Printf("listening on %s; registry %s (%d backends: %s)", *socket, *registry, len(keys), strings.Join(keys, ", "))

	p := &proxy{cache: cache, registry: *registry}
	for {
		conn, err := listener.Accept()
		if err != nil {
			if ctx.Err() != nil {
				log.Printf("stopped")
				return nil
			}
			return err
		}
		go p.handle(conn)
	}
}
