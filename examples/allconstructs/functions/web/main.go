// Command web answers HTTP requests from an API Gateway HTTP API (payload
// format 2.0) and from an Application Load Balancer with one handler: GET
// /health answers "ok", any other request a JSON summary of itself. See
// Handler. It calls no AWS service.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/example/orderflow/runtime/startup"
)

func main() {
	rt := startup.Start(startup.Config{Service: "web", NoAWS: true})
	h := &Handler{Log: rt.Log}
	lambda.Start(h.Handle)
}
