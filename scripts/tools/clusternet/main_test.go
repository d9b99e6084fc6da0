package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func testService(t *testing.T, text string) *service {
	t.Helper()
	var s service
	if err := json.Unmarshal([]byte(text), &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

// dial runs one CONNECT through a proxy served on an in-memory connection and returns the response and the
// client side of the connection.
func dial(t *testing.T, p *proxy, request string) (*http.Response, *bufio.Reader, net.Conn) {
	t.Helper()
	client, server := net.Pipe()
	go p.handle(server)
	go io.WriteString(client, request)
	reader := bufio.NewReader(client)
	_ = client.SetDeadline(time.Now().Add(5 * time.Second))
	res, err := http.ReadResponse(reader, &http.Request{Method: http.MethodConnect})
	if err != nil {
		t.Fatal(err)
	}
	return res, reader, client
}

func TestConnectForwardsToTheRegisteredBackendOfTheTargetPort(t *testing.T) {
	backend, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer backend.Close()
	go func() {
		conn, err := backend.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		line, _ := bufio.NewReader(conn).ReadString('\n')
		io.WriteString(conn, "echo "+line)
	}()

	registry := filepath.Join(t.TempDir(), "backends.json")
	if err := updateRegistry(registry, func(e map[string]string) error {
		e["istio-system/istiod-1-30-3:15017"] = backend.Addr().String()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	cache := newServices()
	cache.replace([]*service{testService(t, `{"metadata":{"name":"istiod-1-30-3","namespace":"istio-system"},
		"spec":{"clusterIP":"10.96.0.20","clusterIPs":["10.96.0.20"],"ports":[
		{"name":"https-webhook","port":443,"protocol":"TCP","targetPort":15017},
		{"name":"grpc-xds","port":15010,"protocol":"TCP","targetPort":15010}]}}`)})
	p := &proxy{cache: cache, registry: registry}

	res, reader, conn := dial(t, p, "CONNECT 10.96.0.20:443 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	defer conn.Close()
	if res.StatusCode != 200 {
		t.Fatalf("status %q", res.Status)
	}
	go io.WriteString(conn, "hello\n")
	got, _ := reader.ReadString('\n')
	if got != "echo hello\n" {
		t.Fatalf("got %q", got)
	}

	// The Service's other port has no backend: refused, naming the missing key.
	res, _, conn2 := dial(t, p, "CONNECT 10.96.0.20:15010 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	defer conn2.Close()
	if res.StatusCode != 503 || res.Status != "503 no backend registered for istio-system/istiod-1-30-3:15010" {
		t.Fatalf("status %q", res.Status)
	}
}

func TestEverythingElseIsRefusedAtOnce(t *testing.T) {
	registry := filepath.Join(t.TempDir(), "backends.json")
	cache := newServices()
	cache.replace([]*service{testService(t, `{"metadata":{"name":"web","namespace":"shop"},
		"spec":{"clusterIP":"10.96.0.30","ports":[{"port":80,"targetPort":"http"}]}}`)})
	p := &proxy{cache: cache, registry: registry}
	for request, status := range map[string]string{
		"CONNECT 10.0.0.7:10250 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n": "503 no Service has cluster IP 10.0.0.7",
		"CONNECT 10.96.0.30:81 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n":  "503 Service shop/web has no TCP port 81",
		"CONNECT 10.96.0.30:80 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n":  "503 no backend registered for shop/web:http",
		"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n":           "503 only CONNECT <cluster IP>:<port> is served",
	} {
		res, _, conn := dial(t, p, request)
		conn.Close()
		if res.Status != status {
			t.Errorf("%q: got %q, want %q", strings.Fields(request)[1], res.Status, status)
		}
	}

	// Before the first list, nothing is known.
	res, _, conn := dial(t, &proxy{cache: newServices(), registry: registry}, "CONNECT 10.96.0.30:80 HTTP/1.1\r\n\r\n")
	conn.Close()
	if res.Status != "503 the Service list is not loaded yet" {
		t.Errorf("got %q", res.Status)
	}
}

func TestWatchEventsMoveAndDropClusterIPs(t *testing.T) {
	cache := newServices()
	cache.replace(nil)
	cache.apply("ADDED", testService(t, `{"metadata":{"name":"a","namespace":"n"},"spec":{"clusterIP":"10.96.0.2","ports":[{"port":1}]}}`))
	if s, target, _ := cache.find("10.96.0.2", 1); s == nil || target != "1" {
		t.Fatalf("added: %v %q", s, target)
	}
	cache.apply("MODIFIED", testService(t, `{"metadata":{"name":"a","namespace":"n"},"spec":{"clusterIP":"10.96.0.3","ports":[{"port":1,"targetPort":2}]}}`))
	if s, _, _ := cache.find("10.96.0.2", 1); s != nil {
		t.Fatal("old IP still known")
	}
	if _, target, _ := cache.find("10.96.0.3", 1); target != "2" {
		t.Fatalf("target %q", target)
	}
	cache.apply("DELETED", testService(t, `{"metadata":{"name":"a","namespace":"n"},"spec":{"clusterIP":"10.96.0.3"}}`))
	if s, _, _ := cache.find("10.96.0.3", 1); s != nil {
		t.Fatal("deleted Service still known")
	}
}

func TestTheRegistryTakesLoopbackBackendsOnly(t *testing.T) {
	for address, ok := range map[string]bool{"127.0.0.1:8080": true, "[::1]:80": true, "10.0.0.1:80": false, "localhost:80": false, "127.0.0.1:0": false} {
		if err := loopbackAddress(address); (err == nil) != ok {
			t.Errorf("%s: %v", address, err)
		}
	}
	registry := filepath.Join(t.TempDir(), "run", "backends.json")
	for _, args := range [][]string{
		{"-registry", registry, "a/b:1", "127.0.0.1:1001"},
		{"-registry", registry, "a/c:2", "127.0.0.1:1002"},
	} {
		if err := register(args); err != nil {
			t.Fatal(err)
		}
	}
	if err := register([]string{"-registry", registry, "a/b:1", "192.0.2.1:80"}); err == nil {
		t.Fatal("a non-loopback backend was registered")
	}
	if err := unregister([]string{"-registry", registry, "a/b:1"}); err != nil {
		t.Fatal(err)
	}
	entries, err := readRegistry(registry)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries["a/c:2"] != "127.0.0.1:1002" {
		t.Fatalf("%v", entries)
	}
	if _, err := os.Stat(registry + ".tmp"); !os.IsNotExist(err) {
		t.Fatal("temporary file left behind")
	}
}
