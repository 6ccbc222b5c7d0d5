package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/numgate/numgate/internal/badinput"
)

// TestBadInput sends every malformed or hostile request of the corpus to a real server
// on loopback, checks each gets its 4xx and error code, and that the server is healthy
// and deciding afterwards.
func TestBadInput(t *testing.T) {
	requests, err := badinput.Load("../testdata/badinput/requests.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(requests) < 40 {
		t.Fatalf("%d bad requests, want at least 40", len(requests))
	}
	ts := newTestServer(t)
	ts.cfg.MaxBodyBytes = 1 << 20 // the default limit, as deployed
	ts.http.ReadTimeout = 3 * time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = ts.Serve(ln) }()
	defer ts.Shutdown(context.Background())
	addr := ln.Addr().String()

	for _, br := range requests {
		t.Run(br.Name, func(t *testing.T) {
			status, body := sendRaw(t, addr, rawRequest(t, br, addr), br.Raw != "")
			if status != br.WantStatus {
				t.Fatalf("status %d, want %d: %.300s", status, br.WantStatus, body)
			}
			if br.WantCode == "" {
				return
			}
			var e errorBody
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("not the JSON error shape: %.300s", body)
			}
			codes := []string{e.Error.Code}
			for _, d := range e.Error.Details {
				codes = append(codes, d.Code)
			}
			if !contains(codes, br.WantCode) || e.Error.Message == "" {
				t.Errorf("codes %v, want %s: %s", codes, br.WantCode, e.Error.Message)
			}
		})
	}

	// Still healthy, still deciding.
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + addr + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz after the corpus: %v", err)
	}
	resp.Body.Close()
	resp, err = client.Post("http://"+addr+"/v1/decisions/activation", "application/json",
		strings.NewReader(`{"number":{"e164":"+12025550123","type":"local"},"identity":{"use":"business"}}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("a decision after the corpus: %v %v", err, resp)
	}
	resp.Body.Close()
	if strings.Contains(ts.logs.String(), `"status":500`) {
		t.Error("some bad input produced a 500")
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// rawRequest renders a corpus entry as the bytes sent on the connection.
func rawRequest(t *testing.T, br badinput.Request, addr string) []byte {
	t.Helper()
	if br.Raw != "" {
		return []byte(br.Raw)
	}
	body, err := br.BodyBytes()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString(br.Method + " " + br.Path + " HTTP/1.1\r\nHost: " + addr + "\r\nConnection: close\r\n")
	if br.ContentType != "" {
		b.WriteString("Content-Type: " + br.ContentType + "\r\n")
	}
	for k, v := range br.Headers {
		b.WriteString(k + ": " + v + "\r\n")
	}
	if br.HasBody() {
		b.WriteString("Content-Length: " + itoa(int64(len(body))) + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}

// sendRaw writes a request exactly as given (no client-side cleaning of paths or
// headers), half-closes the connection when told (so a short body ends), and reads the
// response.
func sendRaw(t *testing.T, addr string, req []byte, halfClose bool) (int, []byte) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write(req); err != nil {
		t.Logf("write stopped early (the server may answer before reading all): %v", err)
	}
	if halfClose {
		_ = conn.(*net.TCPConn).CloseWrite()
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no HTTP response: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}
