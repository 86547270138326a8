// Command web answers HTTP requests from an API Gateway HTTP API (payload
// format 2.0) and from an Application Load Balancer with one handler: GET
// /health answers "ok", any other request a JSON summary of itself. See
// Handler. It calls no AWS service.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	h := &Handler{Log: slog.New(slog.NewJSONHandler(os.Stdout, nil))}
	lambda.Start(h.Handle)
}
