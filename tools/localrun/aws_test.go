package localrun

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/logging"
)

// TestFakeS3ReturnsChecksumsLikeS3: the SDK's GetObject asks for checksums;
// S3 answers with one (it computes one for every object) and the SDK
// validates the payload. Against the plain in-memory S3, an object uploaded
// without a checksum (as Seed uploads the sample file) comes back without
// one and the SDK logs "Response has no supported checksum" on every read
// (what a local run printed); against FakeS3Server it validates and logs
// nothing.
func TestFakeS3ReturnsChecksumsLikeS3(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name       string
		handler    http.Handler
		wantLogged bool
	}{
		{"plain gofakes3", NewFakeS3().Server(), true},
		{"FakeS3Server", FakeS3Server(), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, err := Serve(0, tt.handler)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			var logs bytes.Buffer
			cfg := SDKConfig("us-east-1")
			// What config.LoadDefaultConfig gives a function: a logger to
			// stderr and checksums when supported.
			cfg.Logger = logging.NewStandardLogger(&logs)
			cfg.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenSupported
			cfg.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenSupported
			c := s3.NewFromConfig(cfg, func(o *s3.Options) {
				o.BaseEndpoint = aws.String(srv.Endpoint)
				o.UsePathStyle = true
			})
			if err := CreateBucket(ctx, c, Bucket{Name: "uploads"}); err != nil {
				t.Fatal(err)
			}
			body := strings.Repeat("order,1\n", 1000)
			uploader := S3Client("us-east-1", srv.Endpoint) // no checksum on upload
			if _, err := uploader.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("uploads"), Key: aws.String("k"), Body: strings.NewReader(body)}); err != nil {
				t.Fatal(err)
			}
			out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("uploads"), Key: aws.String("k")})
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(out.Body)
			out.Body.Close()
			if err != nil || string(got) != body {
				t.Fatalf("got %d bytes (%v), want the %d bytes put", len(got), err, len(body))
			}
			if logged := strings.Contains(logs.String(), "no supported checksum"); logged != tt.wantLogged {
				t.Errorf("SDK log %q: got the checksum line %t, want %t", logs.String(), logged, tt.wantLogged)
			}
			if !tt.wantLogged && aws.ToString(out.ChecksumCRC32) == "" {
				t.Errorf("GetObject: no ChecksumCRC32, want the object's checksum")
			}
		})
	}
}

// TestFakeS3ChecksumIsValidated: a wrong checksum makes the SDK's read fail,
// so the header FakeS3Server adds is the one the SDK checks.
func TestFakeS3ChecksumIsValidated(t *testing.T) {
	inner := FakeS3Server()
	corrupt := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &responseRecorder{header: http.Header{}}
		inner.ServeHTTP(rec, r)
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		if w.Header().Get("x-amz-checksum-crc32") != "" {
			w.Header().Set("x-amz-checksum-crc32", "AAAAAA==")
		}
		if rec.status != 0 {
			w.WriteHeader(rec.status)
		}
		w.Write(rec.body.Bytes())
	})
	srv, err := Serve(0, corrupt)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()
	cfg := SDKConfig("us-east-1")
	cfg.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenSupported
	c := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(srv.Endpoint)
		o.UsePathStyle = true
	})
	if err := CreateBucket(ctx, c, Bucket{Name: "uploads"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("uploads"), Key: aws.String("k"), Body: strings.NewReader("data")}); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("uploads"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(out.Body)
	out.Body.Close()
	if err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("reading a body with a wrong checksum: got error %v, want a checksum mismatch", err)
	}
}
