package localrun

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

func routes(keys ...string) []Route {
	rs := make([]Route, len(keys))
	for i, k := range keys {
		rs[i] = Route{Key: k, AuthorizationType: "NONE"}
	}
	return rs
}

func TestRouterMatchesLikeAPIGateway(t *testing.T) {
	r, err := NewRouter(routes("ANY /orders", "ANY /orders/{id}", "GET /orders/{id}", "GET /orders/special", "ANY /files/{path+}"))
	if err != nil {
		t.Fatal(err)
	}
	withDefault, err := NewRouter(routes("ANY /orders", "$default"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, path string
		router             *Router
		wantKey            string
		wantParams         map[string]string
		wantOK             bool
	}{
		{"literal", "POST", "/orders", r, "ANY /orders", nil, true},
		{"method route beats ANY", "GET", "/orders/o-1", r, "GET /orders/{id}", map[string]string{"id": "o-1"}, true},
		{"ANY for other methods", "DELETE", "/orders/o-1", r, "ANY /orders/{id}", map[string]string{"id": "o-1"}, true},
		{"literal beats parameter", "GET", "/orders/special", r, "GET /orders/special", nil, true},
		{"parameter unescaped", "GET", "/orders/a%3Ab", r, "GET /orders/{id}", map[string]string{"id": "a:b"}, true},
		{"greedy", "GET", "/files/a/b/c.txt", r, "ANY /files/{path+}", map[string]string{"path": "a/b/c.txt"}, true},
		{"empty parameter does not match", "GET", "/orders/", r, "", nil, false},
		{"too deep", "GET", "/orders/o-1/items", r, "", nil, false},
		{"no route", "GET", "/nope", r, "", nil, false},
		{"$default catches the rest", "GET", "/nope", withDefault, "$default", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, params, ok := tt.router.Match(tt.method, tt.path)
			if key != tt.wantKey || ok != tt.wantOK || !maps.Equal(params, tt.wantParams) {
				t.Errorf("got %q %v %t, want %q %v %t", key, params, ok, tt.wantKey, tt.wantParams, tt.wantOK)
			}
		})
	}
	if _, err := NewRouter(routes("/orders")); err == nil {
		t.Error("route key without method: got no error")
	}
}

func TestNewHTTPRequestEvent(t *testing.T) {
	now := time.Date(2026, 3, 12, 19, 3, 58, 0, time.UTC)
	r := httptest.NewRequest(http.MethodPost, "http://localhost:3000/orders/o%2D1?a=1&a=2&b=x", nil)
	r.RemoteAddr = "127.0.0.1:5000"
	r.Header.Add("X-Multi", "one")
	r.Header.Add("X-Multi", "two")
	r.Header.Set("Cookie", "s=1; t=2")
	r.Header.Add("Cookie", "u=3")
	binary := []byte{0xff, 0x00, 0xfe}

	ev := NewHTTPRequestEvent(r, binary, "ANY /orders/{id}", map[string]string{"id": "o-1"}, "req-1", now)
	if ev.Version != "2.0" || ev.RouteKey != "ANY /orders/{id}" || ev.RawPath != "/orders/o%2D1" || ev.RawQueryString != "a=1&a=2&b=x" {
		t.Errorf("top level: got %+v", ev)
	}
	if got := ev.Headers["x-multi"]; got != "one,two" {
		t.Errorf("repeated header: got %q, want one,two", got)
	}
	if _, ok := ev.Headers["cookie"]; ok {
		t.Error("cookie header: got it in headers, want it moved to cookies")
	}
	if want := []string{"s=1", "t=2", "u=3"}; !slices.Equal(ev.Cookies, want) {
		t.Errorf("cookies: got %v, want %v", ev.Cookies, want)
	}
	if want := map[string]string{"a": "1,2", "b": "x"}; !maps.Equal(ev.QueryStringParameters, want) {
		t.Errorf("query: got %v, want %v", ev.QueryStringParameters, want)
	}
	if !ev.IsBase64Encoded || ev.Body != base64.StdEncoding.EncodeToString(binary) {
		t.Errorf("binary body: got %q base64 %t, want it base64-encoded", ev.Body, ev.IsBase64Encoded)
	}
	c := ev.RequestContext
	if c.HTTP.Method != "POST" || c.HTTP.Path != "/orders/o%2D1" || c.HTTP.SourceIP != "127.0.0.1" || c.RequestID != "req-1" ||
		c.Stage != "$default" || c.Time != "12/Mar/2026:19:03:58 +0000" || c.TimeEpoch != now.UnixMilli() || c.DomainName != "localhost" {
		t.Errorf("request context: got %+v", c)
	}

	text := NewHTTPRequestEvent(r, []byte(`{"é":1}`), "ANY /orders/{id}", nil, "req-2", now)
	if text.IsBase64Encoded || text.Body != `{"é":1}` {
		t.Errorf("UTF-8 body: got %q base64 %t, want it as is", text.Body, text.IsBase64Encoded)
	}
}

func TestParseHTTPResponse(t *testing.T) {
	tests := []struct {
		name       string
		inv        Invocation
		wantStatus int
		wantHeader http.Header
		wantBody   string
		wantErr    bool
	}{
		{
			name:       "structured",
			inv:        Invocation{Status: 200, Body: []byte(`{"statusCode":201,"headers":{"Content-Type":"application/json","Location":"/orders/1"},"multiValueHeaders":{"X-M":["a","b"]},"cookies":["s=1; Path=/","t=2"],"body":"{\"ok\":true}"}`)},
			wantStatus: 201,
			wantHeader: http.Header{"Content-Type": {"application/json"}, "Location": {"/orders/1"}, "X-M": {"a", "b"}, "Set-Cookie": {"s=1; Path=/", "t=2"}},
			wantBody:   `{"ok":true}`,
		},
		{
			name:       "base64 body",
			inv:        Invocation{Status: 200, Body: []byte(`{"statusCode":200,"body":"/wD+","isBase64Encoded":true}`)},
			wantStatus: 200, wantHeader: http.Header{}, wantBody: "\xff\x00\xfe",
		},
		{
			name:       "object without statusCode is the body",
			inv:        Invocation{Status: 200, Body: []byte(`{"message":"hi"}`)},
			wantStatus: 200, wantHeader: http.Header{"Content-Type": {"application/json"}}, wantBody: `{"message":"hi"}`,
		},
		{
			name:       "string is the body without quotes",
			inv:        Invocation{Status: 200, Body: []byte(`"Hello from Lambda!"`)},
			wantStatus: 200, wantHeader: http.Header{"Content-Type": {"application/json"}}, wantBody: "Hello from Lambda!",
		},
		{
			name:       "function error",
			inv:        Invocation{Status: 200, Body: []byte(`{"errorMessage":"boom","errorType":"errorString"}`)},
			wantStatus: 500, wantHeader: http.Header{"Content-Type": {"application/json"}}, wantBody: `{"message":"Internal Server Error"}`, wantErr: true,
		},
		{
			name:       "timeout text",
			inv:        Invocation{Status: 200, Body: []byte(`Task timed out after 10.00 seconds`)},
			wantStatus: 500, wantHeader: http.Header{"Content-Type": {"application/json"}}, wantBody: `{"message":"Internal Server Error"}`, wantErr: true,
		},
		{
			name:       "crash",
			inv:        Invocation{Status: 502, Body: []byte(`{"errorType":"Runtime.ExitError"}`)},
			wantStatus: 500, wantHeader: http.Header{"Content-Type": {"application/json"}}, wantBody: `{"message":"Internal Server Error"}`, wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseHTTPResponse(tt.inv)
			if (err != nil) != tt.wantErr {
				t.Errorf("error: got %v, want error %t", err, tt.wantErr)
			}
			if got.Status != tt.wantStatus || string(got.Body) != tt.wantBody || !maps.EqualFunc(got.Header, tt.wantHeader, slices.Equal) {
				t.Errorf("got %d %v %q, want %d %v %q", got.Status, got.Header, got.Body, tt.wantStatus, tt.wantHeader, tt.wantBody)
			}
		})
	}
}

// invokerFunc is an Invoker made of a function.
type invokerFunc func(ctx context.Context, requestID string, payload []byte) (Invocation, error)

func (f invokerFunc) Invoke(ctx context.Context, requestID string, payload []byte) (Invocation, error) {
	return f(ctx, requestID, payload)
}

func TestAPIProxyRoundTrip(t *testing.T) {
	router, err := NewRouter(routes("ANY /orders/{id}"))
	if err != nil {
		t.Fatal(err)
	}
	var got HTTPRequestEvent
	fn := invokerFunc(func(_ context.Context, _ string, payload []byte) (Invocation, error) {
		if err := json.Unmarshal(payload, &got); err != nil {
			t.Errorf("payload: %v", err)
		}
		return Invocation{Status: 200, Body: []byte(`{"statusCode":200,"headers":{"content-type":"text/plain"},"body":"id=` + got.PathParameters["id"] + `"}`)}, nil
	})
	var log strings.Builder
	srv := httptest.NewServer(&APIProxy{Router: router, Function: fn, Log: &log})
	defer srv.Close()

	resp, err := http.Post(srv.URL+"/orders/o-7?x=1", "application/json", strings.NewReader(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "id=o-7" || resp.Header.Get("Content-Type") != "text/plain" {
		t.Errorf("response: got %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if got.RouteKey != "ANY /orders/{id}" || got.Body != `{"a":1}` || got.RequestContext.HTTP.Method != "POST" || got.QueryStringParameters["x"] != "1" {
		t.Errorf("event: got %+v", got)
	}
	if id := got.RequestContext.RequestID; resp.Header.Get("Apigw-Requestid") != id || len(id) != 16 {
		t.Errorf("request ID: got header %q, event %q; want the same API Gateway-shaped ID", resp.Header.Get("Apigw-Requestid"), id)
	}
	if !strings.Contains(log.String(), "POST /orders/o-7?x=1 -> 200 (ANY /orders/{id}") {
		t.Errorf("log: got %q", log.String())
	}

	resp, err = http.Get(srv.URL + "/elsewhere")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || string(body) != `{"message":"Not Found"}` {
		t.Errorf("no route: got %d %q, want API Gateway's 404", resp.StatusCode, body)
	}
}
