package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// fakeBucket serves objects by key and records the objects put.
type fakeBucket struct {
	objects map[string][]byte
	put     map[string]*s3.PutObjectInput
	putErr  error
}

func (b *fakeBucket) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	data, ok := b.objects[aws.ToString(in.Key)]
	if !ok {
		return nil, &types.NoSuchKey{}
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(data))}, nil
}

func (b *fakeBucket) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	if b.putErr != nil {
		return nil, b.putErr
	}
	b.put[aws.ToString(in.Key)] = in
	return &s3.PutObjectOutput{}, nil
}

func jpegImage(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{R: uint8(x), G: uint8(y), B: 128, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func fixture(t *testing.T) events.SQSEvent {
	t.Helper()
	data, err := os.ReadFile("testdata/sqs-event.json")
	if err != nil {
		t.Fatal(err)
	}
	var e events.SQSEvent
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func newHandler(b *fakeBucket) *Handler {
	return &Handler{Objects: b, Thumbnails: b, Bucket: "example-images", Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
}

func TestHandleWritesThumbnailsAndReportsEachFailedMessage(t *testing.T) {
	b := &fakeBucket{
		objects: map[string][]byte{
			"uploads/holiday photos/cat(1).jpg": jpegImage(t, 640, 480),
			"uploads/orders.csv":                []byte("name,quantity\nespresso,2\n"),
		},
		put: map[string]*s3.PutObjectInput{},
	}
	resp, err := newHandler(b).Handle(context.Background(), fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	want := []string{"job-not-json", "job-other-bucket", "job-not-an-image"}
	if len(failed) != len(want) || failed[0] != want[0] || failed[1] != want[1] || failed[2] != want[2] {
		t.Errorf("got failures %v, want %v", failed, want)
	}

	in, ok := b.put["thumbnails/holiday photos/cat(1).png"]
	if !ok || len(b.put) != 1 {
		t.Fatalf("got puts %v, want only thumbnails/holiday photos/cat(1).png", keys(b.put))
	}
	if got := aws.ToString(in.ContentType); got != "image/png" {
		t.Errorf("got content type %q, want image/png", got)
	}
	cfg, err := png.DecodeConfig(in.Body)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width != 160 || cfg.Height != 120 {
		t.Errorf("got %dx%d, want 160x120", cfg.Width, cfg.Height)
	}
}

func TestHandleReportsS3Errors(t *testing.T) {
	ok := events.SQSMessage{MessageId: "m-1", Body: `{"bucket":"example-images","key":"uploads/cat.jpg"}`}
	tests := []struct {
		name    string
		objects map[string][]byte
		putErr  error
	}{
		{"object gone", map[string][]byte{}, nil},
		{"put fails", map[string][]byte{"uploads/cat.jpg": jpegImage(t, 32, 32)}, errors.New("access denied")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &fakeBucket{objects: tt.objects, put: map[string]*s3.PutObjectInput{}, putErr: tt.putErr}
			resp, err := newHandler(b).Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{ok}})
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "m-1" {
				t.Errorf("got %+v, want m-1 reported failed", resp.BatchItemFailures)
			}
		})
	}
}

func keys(m map[string]*s3.PutObjectInput) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
