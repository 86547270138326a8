// Package logging gives Lambda handlers a JSON log/slog logger whose every
// line carries what Powertools' logger adds: the request ID, the function's
// name, whether the invocation is a cold start and its X-Ray trace ID, each
// from the invocation's context, so lines of one invocation can be found
// together in CloudWatch Logs (and in X-Ray from a trace). It pairs with
// the gofunction construct, which sets Lambda's JSON log format and the
// application log level the logger honours.
//
// A line logged with InfoContext(ctx, "order ready", "orderId", "o-1"):
//
//	{"time":"...","level":"INFO","msg":"order ready","function":"OrderFlow-dev-Kitchen",
//	"service":"kitchen","orderId":"o-1","requestId":"c6af9ac6-...","coldStart":true,
//	"xrayTraceId":"1-5759e988-bd862e3fe1be46a994272793"}
//
// Lines logged without a context (Info instead of InfoContext) carry none
// of the invocation's attributes.
package logging

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/example/orderflow/runtime/internal/coldstart"
)

// Attribute keys the logger adds.
const (
	KeyFunction  = "function"    // AWS_LAMBDA_FUNCTION_NAME
	KeyRequestID = "requestId"   // the invocation's request ID
	KeyColdStart = "coldStart"   // true on the first invocation of the process
	KeyTraceID   = "xrayTraceId" // the Root of the invocation's X-Ray trace header
)

// Level returns the slog level Lambda's logging configuration asks for:
// AWS_LAMBDA_LOG_LEVEL (set by Lambda from the function's
// ApplicationLogLevel under the JSON log format) TRACE and DEBUG are
// Debug, WARN is Warn, ERROR and FATAL are Error, anything else (INFO,
// unset) is Info.
func Level() slog.Level {
	switch strings.ToUpper(os.Getenv("AWS_LAMBDA_LOG_LEVEL")) {
	case "TRACE", "DEBUG":
		return slog.LevelDebug
	case "WARN":
		return slog.LevelWarn
	case "ERROR", "FATAL":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// New returns a JSON logger writing to w at Level(). Each record gets
// "function" from AWS_LAMBDA_FUNCTION_NAME (when set), then attrs (e.g.
// slog.String("service", "kitchen")), and, when logged with a context from
// a Lambda invocation, "requestId", "coldStart" and, when the invocation is
// traced, "xrayTraceId".
func New(w io.Writer, attrs ...slog.Attr) *slog.Logger {
	h := slog.Handler(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: Level()}))
	var as []slog.Attr
	if fn := os.Getenv("AWS_LAMBDA_FUNCTION_NAME"); fn != "" {
		as = append(as, slog.String(KeyFunction, fn))
	}
	as = append(as, attrs...)
	if len(as) > 0 {
		h = h.WithAttrs(as)
	}
	return slog.New(invocationHandler{h})
}

// invocationHandler adds the invocation's attributes found in the record's
// context.
type invocationHandler struct{ slog.Handler }

func (h invocationHandler) Handle(ctx context.Context, r slog.Record) error {
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		r.AddAttrs(slog.String(KeyRequestID, lc.AwsRequestID), slog.Bool(KeyColdStart, coldstart.Is(ctx)))
	}
	if id := TraceID(ctx); id != "" {
		r.AddAttrs(slog.String(KeyTraceID, id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h invocationHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return invocationHandler{h.Handler.WithAttrs(as)}
}

func (h invocationHandler) WithGroup(name string) slog.Handler {
	return invocationHandler{h.Handler.WithGroup(name)}
}

// TraceID returns the Root of the invocation's X-Ray trace header
// ("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=...;Sampled=1"), which
// aws-lambda-go puts in the context under "x-amzn-trace-id"; "" when there
// is none.
func TraceID(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	h, _ := ctx.Value("x-amzn-trace-id").(string)
	for part := range strings.SplitSeq(h, ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "Root="); ok {
			return v
		}
	}
	return ""
}
