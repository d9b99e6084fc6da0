// Command xdsprobe is a proxyless gRPC workload of the mesh: a server and a client that take their configuration
// from istiod through Istio's agent (the agent writes the gRPC xDS bootstrap that GRPC_XDS_BOOTSTRAP names), as the
// grpc-agent injection template arranges it in a pod.
//
//	xdsprobe serve -addr IP:PORT -name NAME
//	    An xDS-enabled gRPC server (its listener, filter chains and mTLS settings come from istiod's LDS) with one
//	    method, xdsprobe.Probe/Who, that answers who called: the peer's SPIFFE ID and the transport security.
//	xdsprobe call -target TARGET [-plaintext] [-timeout D]
//	    One call of Who. TARGET is xds:///<host>:<port> (resolved through istiod, credentials from xDS) or, with
//	    -plaintext, IP:PORT called without any transport security. Prints one JSON line: the server's answer and,
//	    for TLS, the identity the server presented. Exits 1 when the call fails (the line then carries the error).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	xdscreds "google.golang.org/grpc/credentials/xds"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/xds"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// Answer is what Who returns (as JSON in a StringValue) and what `call` prints.
type Answer struct {
	Server   string `json:"server,omitempty"`
	Peer     string `json:"peer"`
	Security string `json:"security"`
	// Filled in by the client: the identity the server's certificate carries, when the call used TLS.
	ServerIdentity string `json:"serverIdentity,omitempty"`
	Error          string `json:"error,omitempty"`
	Code           string `json:"code,omitempty"`
}

func main() {
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "call":
		err = call(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		log.Fatal(err)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: xdsprobe serve -addr IP:PORT -name NAME | xdsprobe call -target TARGET [-plaintext] [-timeout D]")
	os.Exit(2)
}

// identity is the SPIFFE ID and security of a connection's peer.
func identity(info credentials.AuthInfo) (string, string) {
	switch auth := info.(type) {
	case credentials.TLSInfo:
		if auth.SPIFFEID != nil {
			return auth.SPIFFEID.String(), "mtls"
		}
		return "", "tls"
	case nil:
		return "", "none"
	default:
		return "", auth.AuthType()
	}
}

var probeService = grpc.ServiceDesc{
	ServiceName: "xdsprobe.Probe",
	HandlerType: (*any)(nil),
	Methods:     []grpc.MethodDesc{{MethodName: "Who", Handler: who}},
	Metadata:    "xdsprobe",
}

// serverName is the name this server answers with (its -name flag).
var serverName string

func who(_ any, ctx context.Context, decode func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
	if err := decode(new(emptypb.Empty)); err != nil {
		return nil, err
	}
	answer := Answer{Server: serverName, Security: "none"}
	if p, ok := peer.FromContext(ctx); ok {
		answer.Peer, answer.Security = identity(p.AuthInfo)
	}
	log.Printf("Who from %q (%s)", answer.Peer, answer.Security)
	text, err := json.Marshal(answer)
	if err != nil {
		return nil, err
	}
	return wrapperspb.String(string(text)), nil
}

func serve(args []string) error {
	flags := flag.NewFlagSet("serve", flag.ExitOnError)
	addr := flags.String("addr", "", "IP:PORT to listen on: the workload's address and the Service's target port")
	flags.StringVar(&serverName, "name", "xdsprobe", "the name this server answers with")
	_ = flags.Parse(args)
	if *addr == "" {
		return fmt.Errorf("serve: -addr is required")
	}
	// Fallback: plaintext, for the filter chains istiod sends without TLS (PERMISSIVE mode's plaintext chain).
	creds, err := xdscreds.NewServerCredentials(xdscreds.ServerOptions{FallbackCreds: insecure.NewCredentials()})
	if err != nil {
		return err
	}
	server, err := xds.NewGRPCServer(grpc.Creds(creds), xds.ServingModeCallback(func(addr net.Addr, args xds.ServingModeChangeArgs) {
		if args.Err != nil {
			log.Printf("serving mode of %s: %s (%v)", addr, args.Mode, args.Err)
			return
		}
		log.Printf("serving mode of %s: %s", addr, args.Mode)
	}))
	if err != nil {
		return err
	}
	server.RegisterService(&probeService, struct{}{})
	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	log.Printf("listening on %s", listener.Addr())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		server.Stop()
	}()
	return server.Serve(listener)
}

func call(args []string) error {
	flags := flag.NewFlagSet("call", flag.ExitOnError)
	target := flags.String("target", "", "xds:///<host>:<port>, or IP:PORT with -plaintext")
	plaintext := flags.Bool("plaintext", false, "no transport security and no xDS: a plaintext client")
	timeout := flags.Duration("timeout", 20*time.Second, "how long the call may take, name resolution included")
	_ = flags.Parse(args)
	if *target == "" {
		return fmt.Errorf("call: -target is required")
	}
	var creds credentials.TransportCredentials = insecure.NewCredentials()
	if !*plaintext {
		var err error
		// Fallback: plaintext, for clusters whose CDS carries no TLS settings.
		if creds, err = xdscreds.NewClientCredentials(xdscreds.ClientOptions{FallbackCreds: insecure.NewCredentials()}); err != nil {
			return err
		}
	}
	conn, err := grpc.NewClient(*target, grpc.WithTransportCredentials(creds))
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	var server peer.Peer
	reply := new(wrapperspb.StringValue)
	// WaitForReady: the first call waits for the xDS resources instead of failing while they arrive.
	err = conn.Invoke(ctx, "/xdsprobe.Probe/Who", &emptypb.Empty{}, reply, grpc.Peer(&server), grpc.WaitForReady(!*plaintext))
	var answer Answer
	if err != nil {
		answer.Error = err.Error()
		answer.Code = status.Code(err).String()
		if conn.GetState() == connectivity.TransientFailure {
			answer.Error += " (connection in transient failure)"
		}
	} else if err = json.Unmarshal([]byte(reply.GetValue()), &answer); err == nil {
		answer.ServerIdentity, _ = identity(server.AuthInfo)
	}
	line, _ := json.Marshal(answer)
	fmt.Println(string(line))
	if answer.Error != "" {
		os.Exit(1)
	}
	return err
}
