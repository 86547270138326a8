package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
)

// Handler answers requests of both payload shapes it may receive: an
// Application Load Balancer's (requestContext.elb) and an HTTP API's
// (payload format 2.0, also a function URL's).
type Handler struct {
	Log *slog.Logger
}

// summary is the JSON body of an answer.
type summary struct {
	Via    string `json:"via"` // "alb" or "api"
	Method string `json:"method"`
	Path   string `json:"path"`
}

// envelope holds what tells the two shapes apart.
type envelope struct {
	RequestContext struct {
		ELB *struct {
			TargetGroupArn string `json:"targetGroupArn"`
		} `json:"elb"`
	} `json:"requestContext"`
}

// Handle decodes the request by its shape and answers in the same shape. An
// event of neither shape is an error (the caller answers 502 or 500).
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("decode request: %w", err)
	}
	if env.RequestContext.ELB != nil {
		var req events.ALBTargetGroupRequest
		if err := json.Unmarshal(raw, &req); err != nil {
			return nil, fmt.Errorf("decode ALB request: %w", err)
		}
		status, body := h.answer(ctx, summary{Via: "alb", Method: req.HTTPMethod, Path: req.Path})
		resp := events.ALBTargetGroupResponse{StatusCode: status, StatusDescription: fmt.Sprintf("%d %s", status, http.StatusText(status)), Body: body}
		// A target group with multi-value headers sends and expects lists.
		if req.MultiValueHeaders != nil {
			resp.MultiValueHeaders = map[string][]string{"content-type": {"application/json"}}
		} else {
			resp.Headers = map[string]string{"content-type": "application/json"}
		}
		return resp, nil
	}
	var req events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return nil, fmt.Errorf("decode HTTP API request: %w", err)
	}
	if req.RequestContext.HTTP.Method == "" {
		return nil, fmt.Errorf("request is neither an ALB nor an HTTP API (payload 2.0) request")
	}
	status, body := h.answer(ctx, summary{Via: "api", Method: req.RequestContext.HTTP.Method, Path: req.RawPath})
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: map[string]string{"content-type": "application/json"}, Body: body}, nil
}

// answer returns the status and JSON body for a request.
func (h *Handler) answer(ctx context.Context, s summary) (int, string) {
	h.Log.InfoContext(ctx, "request", "via", s.Via, "method", s.Method, "path", s.Path)
	if s.Method == http.MethodGet && s.Path == "/health" {
		return http.StatusOK, `{"status":"ok"}`
	}
	b, _ := json.Marshal(s) // strings only: cannot fail
	return http.StatusOK, string(b)
}
