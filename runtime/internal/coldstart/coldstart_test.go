package coldstart

import (
	"context"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

func TestIs(t *testing.T) {
	Reset()
	ctx := func(id string) context.Context {
		return lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: id})
	}
	tests := []struct {
		name string
		ctx  context.Context
		want bool
	}{
		{"no Lambda context", context.Background(), false},
		{"first invocation", ctx("req-1"), true},
		{"same invocation asked again", ctx("req-1"), true},
		{"second invocation", ctx("req-2"), false},
	}
	for _, tt := range tests {
		if got := Is(tt.ctx); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}
