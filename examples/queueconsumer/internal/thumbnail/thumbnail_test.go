package thumbnail

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
)

func TestKey(t *testing.T) {
	tests := []struct {
		name, upload, want string
	}{
		{"extension replaced", "uploads/cat.jpg", "thumbnails/cat.png"},
		{"folders kept", "uploads/2030/01/cat.jpeg", "thumbnails/2030/01/cat.png"},
		{"no extension", "uploads/cat", "thumbnails/cat.png"},
		{"dot in folder only", "uploads/v1.2/cat", "thumbnails/v1.2/cat.png"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Key(tt.upload); got != tt.want {
				t.Errorf("Key(%q): got %q, want %q", tt.upload, got, tt.want)
			}
		})
	}
}

func TestJobValidate(t *testing.T) {
	tests := []struct {
		name string
		job  Job
		want string // "" for valid
	}{
		{"valid", Job{Bucket: "b", Key: "uploads/cat.jpg"}, ""},
		{"no bucket", Job{Key: "uploads/cat.jpg"}, "bucket is empty"},
		{"outside uploads", Job{Bucket: "b", Key: "thumbnails/cat.png"}, `key "thumbnails/cat.png" is not an object under uploads/`},
		{"the prefix itself", Job{Bucket: "b", Key: "uploads/"}, `key "uploads/" is not an object`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.job.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want valid", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestSize(t *testing.T) {
	tests := []struct {
		name         string
		w, h         int
		wantW, wantH int
	}{
		{"landscape", 1600, 1200, 160, 120},
		{"portrait", 1200, 1600, 120, 160},
		{"square", 500, 500, 160, 160},
		{"small stays", 100, 40, 100, 40},
		{"thin keeps one pixel", 10000, 5, 160, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if w, h := Size(tt.w, tt.h, MaxSide); w != tt.wantW || h != tt.wantH {
				t.Errorf("Size(%d, %d): got %dx%d, want %dx%d", tt.w, tt.h, w, h, tt.wantW, tt.wantH)
			}
		})
	}
}

// halves is a w x h image, red on the left half and blue on the right.
func halves(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{R: 255, A: 255}
			if x >= w/2 {
				c = color.RGBA{B: 255, A: 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

func TestRenderScalesJPEGAndPNGToAPNG(t *testing.T) {
	for _, tt := range []struct {
		name   string
		encode func(*bytes.Buffer, image.Image) error
	}{
		{"png", func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) }},
		{"jpeg", func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, &jpeg.Options{Quality: 95}) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var src bytes.Buffer
			if err := tt.encode(&src, halves(800, 400)); err != nil {
				t.Fatal(err)
			}
			out, err := Render(&src)
			if err != nil {
				t.Fatal(err)
			}
			thumb, format, err := image.Decode(bytes.NewReader(out))
			if err != nil || format != "png" {
				t.Fatalf("got format %q, err %v, want png", format, err)
			}
			if b := thumb.Bounds(); b.Dx() != 160 || b.Dy() != 80 {
				t.Errorf("got %dx%d, want 160x80", b.Dx(), b.Dy())
			}
			// Away from the seam, the colours survive the averaging.
			if r, _, b, _ := thumb.At(10, 40).RGBA(); r>>8 < 240 || b>>8 > 15 {
				t.Errorf("left: got r=%d b=%d, want red", r>>8, b>>8)
			}
			if r, _, b, _ := thumb.At(150, 40).RGBA(); b>>8 < 240 || r>>8 > 15 {
				t.Errorf("right: got r=%d b=%d, want blue", r>>8, b>>8)
			}
		})
	}
}

func TestRenderRefusesWhatItShouldNotDecode(t *testing.T) {
	huge := new(bytes.Buffer)
	// A PNG header claiming 10000 x 10000 pixels: refused before decoding.
	if err := png.Encode(huge, image.NewGray(image.Rect(0, 0, 10000, 10000))); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		data    []byte
		wantErr error  // checked with errors.Is when set
		want    string // else a substring of the error
	}{
		{"not an image", []byte("name,quantity\nespresso,2\n"), nil, "decode image"},
		{"too many pixels", huge.Bytes(), ErrTooLarge, ""},
		{"too many bytes", make([]byte, MaxBytes+1), ErrTooLarge, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Render(bytes.NewReader(tt.data))
			switch {
			case err == nil:
				t.Fatal("got no error")
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("got %v, want %v", err, tt.wantErr)
			case tt.wantErr == nil && !strings.Contains(err.Error(), tt.want):
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
