package localrun

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// MaxAPIBody is the largest request body the local API accepts: API
// Gateway's 10 MB payload limit.
const MaxAPIBody = 10 << 20

// HTTPRequestEvent is an API Gateway HTTP API request, payload format 2.0, as
// API Gateway sends it to Lambda (aws-lambda-go's type).
type HTTPRequestEvent = events.APIGatewayV2HTTPRequest

// LocalAPIID is the apiId of local requests.
const LocalAPIID = "local"

// Router picks the route of a request among an HTTP API's route keys the way
// API Gateway does: the most specific path wins (literal segments over
// {param} over {greedy+}, left to right), then a route for the method over
// ANY; $default catches what no route matches.
type Router struct {
	routes     []route
	hasDefault bool
}

type route struct {
	key, method string
	segs        []string
}

// NewRouter returns a Router over routes with keys such as
// "ANY /orders/{id}", "GET /orders" or "$default". Authorization is not
// checked.
func NewRouter(routes []Route) (*Router, error) {
	r := &Router{}
	for _, rt := range routes {
		k := rt.Key
		if k == "$default" {
			r.hasDefault = true
			continue
		}
		method, path, ok := strings.Cut(k, " ")
		if !ok || !strings.HasPrefix(path, "/") {
			return nil, fmt.Errorf("route key %q: want \"METHOD /path\" or \"$default\"", k)
		}
		r.routes = append(r.routes, route{key: k, method: method, segs: strings.Split(path[1:], "/")})
	}
	return r, nil
}

// Match returns the route key for method and path (escaped, as sent) and its
// path parameters (unescaped); ok is false when no route matches.
func (r *Router) Match(method, path string) (key string, params map[string]string, ok bool) {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	var bestRank []int
	for _, rt := range r.routes {
		if rt.method != "ANY" && rt.method != method {
			continue
		}
		rank, ps, matched := rt.match(segs)
		if !matched {
			continue
		}
		if rt.method != "ANY" {
			rank = append(rank, 1)
		} else {
			rank = append(rank, 0)
		}
		if bestRank == nil || slices.Compare(rank, bestRank) > 0 {
			key, params, bestRank = rt.key, ps, rank
		}
	}
	switch {
	case bestRank != nil:
		return key, params, true
	case r.hasDefault:
		return "$default", nil, true
	}
	return "", nil, false
}

// match matches path segments and ranks the match: per segment 2 for a
// literal, 1 for a parameter, 0 for a greedy parameter.
func (rt *route) match(segs []string) ([]int, map[string]string, bool) {
	var rank []int
	params := map[string]string{}
	for i, s := range rt.segs {
		name, isParam := strings.CutPrefix(s, "{")
		name = strings.TrimSuffix(name, "}")
		switch {
		case isParam && strings.HasSuffix(name, "+"):
			if i >= len(segs) || strings.Join(segs[i:], "") == "" {
				return nil, nil, false
			}
			v, err := url.PathUnescape(strings.Join(segs[i:], "/"))
			if err != nil {
				return nil, nil, false
			}
			params[strings.TrimSuffix(name, "+")] = v
			return append(rank, 0), params, true
		case i >= len(segs):
			return nil, nil, false
		case isParam:
			v, err := url.PathUnescape(segs[i])
			if err != nil || v == "" {
				return nil, nil, false
			}
			params[name] = v
			rank = append(rank, 1)
		case s == segs[i]:
			rank = append(rank, 2)
		default:
			return nil, nil, false
		}
	}
	if len(segs) != len(rt.segs) {
		return nil, nil, false
	}
	if len(params) == 0 {
		params = nil
	}
	return rank, params, true
}

// NewHTTPRequestEvent turns r into the payload format 2.0 event API Gateway
// would send for it: headers lowercased with repeated ones joined by commas,
// the Cookie header moved to cookies, query parameters likewise joined, the
// body base64-encoded when it is not UTF-8 text. routeKey and params come
// from Router.Match.
func NewHTTPRequestEvent(r *http.Request, body []byte, routeKey string, params map[string]string, requestID string, now time.Time) HTTPRequestEvent {
	ev := HTTPRequestEvent{
		Version:        "2.0",
		RouteKey:       routeKey,
		RawPath:        r.URL.EscapedPath(),
		RawQueryString: r.URL.RawQuery,
		Headers:        map[string]string{},
		PathParameters: params,
	}
	for name, vs := range r.Header {
		name = strings.ToLower(name)
		if name == "cookie" {
			for _, v := range vs {
				for c := range strings.SplitSeq(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						ev.Cookies = append(ev.Cookies, c)
					}
				}
			}
			continue
		}
		ev.Headers[name] = strings.Join(vs, ",")
	}
	ev.Headers["host"] = r.Host
	if r.ContentLength > 0 {
		ev.Headers["content-length"] = strconv.FormatInt(r.ContentLength, 10)
	}
	ip, port, _ := net.SplitHostPort(r.RemoteAddr)
	hostname := r.Host
	if h, p, err := net.SplitHostPort(r.Host); err == nil {
		hostname, port = h, p
	}
	ev.Headers["x-forwarded-for"] = ip
	ev.Headers["x-forwarded-port"] = port
	ev.Headers["x-forwarded-proto"] = "http"
	if q, err := url.ParseQuery(r.URL.RawQuery); err == nil && len(q) > 0 {
		ev.QueryStringParameters = make(map[string]string, len(q))
		for k, vs := range q {
			ev.QueryStringParameters[k] = strings.Join(vs, ",")
		}
	}
	if len(body) > 0 {
		if utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	c := &ev.RequestContext
	c.AccountID, c.APIID, c.DomainName = AccountID, LocalAPIID, hostname
	c.DomainPrefix, _, _ = strings.Cut(hostname, ".")
	c.HTTP.Method, c.HTTP.Path, c.HTTP.Protocol = r.Method, ev.RawPath, r.Proto
	c.HTTP.SourceIP, c.HTTP.UserAgent = ip, r.UserAgent()
	c.RequestID, c.RouteKey, c.Stage = requestID, routeKey, "$default"
	c.Time = now.UTC().Format("02/Jan/2006:15:04:05 -0700")
	c.TimeEpoch = now.UnixMilli()
	return ev
}

// HTTPResponse is an HTTP response as API Gateway builds it from a
// function's payload format 2.0 answer.
type HTTPResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// internalError is API Gateway's answer when the integration fails.
func internalError() HTTPResponse {
	return gatewayError(http.StatusInternalServerError, "Internal Server Error")
}

// gatewayError is an answer of API Gateway itself: {"message": message}.
func gatewayError(status int, message string) HTTPResponse {
	body, _ := json.Marshal(map[string]string{"message": message})
	return HTTPResponse{Status: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: body}
}

// ParseHTTPResponse maps a function's answer to the HTTP response API Gateway
// sends for payload format 2.0. An object with a statusCode is a structured
// response: statusCode, headers, multiValueHeaders, cookies (one Set-Cookie
// each), body (base64-decoded when isBase64Encoded). Any other valid JSON
// (an object without statusCode, a string, a number) is the body of a 200
// with Content-Type application/json (a string without its quotes). An
// answer that is not JSON, a function error or a failed invocation is a 500
// {"message":"Internal Server Error"}; err then says why.
func ParseHTTPResponse(inv Invocation) (HTTPResponse, error) {
	if inv.FunctionError() {
		return internalError(), fmt.Errorf("function failed (emulator status %d): %s", inv.Status, clip(inv.Body, 512))
	}
	if !json.Valid(inv.Body) {
		return internalError(), fmt.Errorf("function answer is not JSON: %s", clip(inv.Body, 512))
	}
	var probe map[string]json.RawMessage
	if json.Unmarshal(inv.Body, &probe) != nil || probe["statusCode"] == nil {
		body := inv.Body
		var s string
		if json.Unmarshal(inv.Body, &s) == nil {
			body = []byte(s)
		}
		return HTTPResponse{Status: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Body: body}, nil
	}
	var out events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(inv.Body, &out); err != nil {
		return internalError(), fmt.Errorf("function answer is malformed: %w", err)
	}
	if out.StatusCode < 100 || out.StatusCode > 599 {
		return internalError(), fmt.Errorf("function answer has statusCode %d", out.StatusCode)
	}
	resp := HTTPResponse{Status: out.StatusCode, Header: http.Header{}, Body: []byte(out.Body)}
	for k, vs := range out.MultiValueHeaders {
		for _, v := range vs {
			resp.Header.Add(k, v)
		}
	}
	for k, v := range out.Headers {
		resp.Header.Set(k, v)
	}
	for _, c := range out.Cookies {
		resp.Header.Add("Set-Cookie", c)
	}
	if out.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(out.Body)
		if err != nil {
			return internalError(), fmt.Errorf("function answer body is not valid base64: %w", err)
		}
		resp.Body = b
	}
	return resp, nil
}

// Invoker invokes a function (an *Emulator).
type Invoker interface {
	Invoke(ctx context.Context, requestID string, payload []byte) (Invocation, error)
}

// APIProxy serves an HTTP API locally: each request becomes a payload format
// 2.0 event for the function, whose answer becomes the response.
type APIProxy struct {
	// Router picks routes. Required.
	Router *Router
	// Function serves every route. Required.
	Function Invoker
	// Log gets one line per request, then the function's logs for it.
	// Default: no log.
	Log io.Writer
	// Now stamps events. Default: time.Now.
	Now func() time.Time
}

// ServeHTTP answers one request through the function.
func (p *APIProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	reqID := apiRequestID()
	w.Header().Set("Apigw-Requestid", reqID)
	key, params, ok := p.Router.Match(r.Method, r.URL.EscapedPath())
	if !ok {
		writeResponse(w, gatewayError(http.StatusNotFound, "Not Found"))
		p.log(r, http.StatusNotFound, "", start, nil, "")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxAPIBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		writeResponse(w, gatewayError(http.StatusRequestEntityTooLarge, "Request Entity Too Large"))
		return
	} else if err != nil {
		return // the client went away
	}
	ev := NewHTTPRequestEvent(r, body, key, params, reqID, now())
	payload, _ := json.Marshal(ev)
	inv, err := p.Function.Invoke(r.Context(), "", payload) // Lambda's own request ID, not API Gateway's
	resp := internalError()
	if err == nil {
		resp, err = ParseHTTPResponse(inv)
	}
	writeResponse(w, resp)
	p.log(r, resp.Status, key, start, err, inv.Logs)
}

func (p *APIProxy) log(r *http.Request, status int, key string, start time.Time, err error, logs string) {
	if p.Log == nil {
		return
	}
	line := fmt.Sprintf("%s %s %s -> %d (%s, %d ms)", time.Now().Format(time.TimeOnly), r.Method, r.URL.RequestURI(), status, cmp.Or(key, "no route"), time.Since(start).Milliseconds())
	if err != nil {
		line += ": " + err.Error()
	}
	if logs != "" {
		line += "\n" + strings.TrimRight(logs, "\n")
	}
	fmt.Fprintln(p.Log, line)
}

func writeResponse(w http.ResponseWriter, resp HTTPResponse) {
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	if _, ok := resp.Header["Content-Type"]; !ok {
		w.Header()["Content-Type"] = nil // API Gateway adds none; keep Go from sniffing one
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(resp.Body)))
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body)
}

// apiRequestID returns an ID shaped like API Gateway's: 15 letters and
// digits, then "=" ("JKJAXMPLVHCESHA=").
func apiRequestID() string { return rand.Text()[:15] + "=" }

func clip(b []byte, n int) string {
	if len(b) > n {
		return string(bytes.ToValidUTF8(b[:n], nil)) + "..."
	}
	return string(b)
}
