// Package thumbnail is the domain of the example: a job names an image in a
// bucket, Render turns the image into a small PNG, and Key says where that
// PNG goes. It imports no AWS or CDK package.
package thumbnail

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // decoders Render accepts
	_ "image/jpeg"
	"image/png"
	"io"
	"path"
	"strings"
)

// Prefixes of the bucket: uploads trigger jobs, thumbnails receive the
// results (outside the uploads prefix, so a thumbnail never triggers a job).
const (
	UploadsPrefix    = "uploads/"
	ThumbnailsPrefix = "thumbnails/"
)

// Limits of Render.
const (
	MaxSide   = 160        // the longer side of a thumbnail, pixels
	MaxPixels = 40_000_000 // largest source image Render decodes (width x height)
	MaxBytes  = 20 << 20   // largest source object read, bytes
)

// ErrTooLarge is returned for a source image above MaxPixels or MaxBytes.
var ErrTooLarge = errors.New("image too large")

// Job is the message the enqueue function sends and the thumbnail function
// reads: one uploaded object.
type Job struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
}

// Validate reports a job that names no bucket or an object outside
// UploadsPrefix.
func (j Job) Validate() error {
	switch {
	case j.Bucket == "":
		return errors.New("job: bucket is empty")
	case !strings.HasPrefix(j.Key, UploadsPrefix) || len(j.Key) == len(UploadsPrefix):
		return fmt.Errorf("job: key %q is not an object under %s", j.Key, UploadsPrefix)
	}
	return nil
}

// Key returns the thumbnail's key for an upload's key:
// "uploads/2030/cat.jpg" -> "thumbnails/2030/cat.png".
func Key(uploadKey string) string {
	rel := strings.TrimPrefix(uploadKey, UploadsPrefix)
	return ThumbnailsPrefix + strings.TrimSuffix(rel, path.Ext(rel)) + ".png"
}

// Render decodes a JPEG, PNG or GIF image from r and returns it as a PNG
// whose longer side is at most MaxSide pixels (smaller images keep their
// size). Each thumbnail pixel is the average of the source pixels it covers.
func Render(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read image: %w", err)
	}
	if len(data) > MaxBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxBytes)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode image: %w", err)
	}
	if cfg.Width*cfg.Height > MaxPixels {
		return nil, fmt.Errorf("%w: %dx%d pixels", ErrTooLarge, cfg.Width, cfg.Height)
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode image: %w", err)
	}
	var out bytes.Buffer
	if err := png.Encode(&out, scale(src, MaxSide)); err != nil {
		return nil, fmt.Errorf("encode thumbnail: %w", err)
	}
	return out.Bytes(), nil
}

// Size returns the thumbnail size of a w x h image: the longer side becomes
// maxSide, the other keeps the ratio (at least 1); smaller images keep theirs.
func Size(w, h, maxSide int) (int, int) {
	if w <= maxSide && h <= maxSide {
		return w, h
	}
	if w >= h {
		return maxSide, max(1, h*maxSide/w)
	}
	return max(1, w*maxSide/h), maxSide
}

// scale returns src reduced to Size by averaging the source pixels each
// destination pixel covers (a box filter).
func scale(src image.Image, maxSide int) *image.NRGBA {
	b := src.Bounds()
	w, h := Size(b.Dx(), b.Dy(), maxSide)
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		y0, y1 := b.Min.Y+y*b.Dy()/h, b.Min.Y+(y+1)*b.Dy()/h
		for x := 0; x < w; x++ {
			x0, x1 := b.Min.X+x*b.Dx()/w, b.Min.X+(x+1)*b.Dx()/w
			var r, g, bl, a, n uint64
			for sy := y0; sy < max(y1, y0+1); sy++ {
				for sx := x0; sx < max(x1, x0+1); sx++ {
					cr, cg, cb, ca := src.At(sx, sy).RGBA()
					r, g, bl, a, n = r+uint64(cr), g+uint64(cg), bl+uint64(cb), a+uint64(ca), n+1
				}
			}
			i := dst.PixOffset(x, y)
			// Average premultiplied colour, then un-premultiply for NRGBA.
			r, g, bl, a = r/n, g/n, bl/n, a/n
			if a > 0 {
				r, g, bl = r*0xffff/a, g*0xffff/a, bl*0xffff/a
			}
			dst.Pix[i+0], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = uint8(r>>8), uint8(g>>8), uint8(bl>>8), uint8(a>>8)
		}
	}
	return dst
}
