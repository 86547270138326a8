package localrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"
)

// Server is an in-process HTTP server on 127.0.0.1.
type Server struct {
	// Endpoint is the server's base URL, "http://127.0.0.1:PORT".
	Endpoint string
	srv      *http.Server
}

// Serve serves h on 127.0.0.1:port (port 0: a free one) until Close.
func Serve(port int, h http.Handler) (*Server, error) {
	ln, err := listen(port)
	if err != nil {
		return nil, err
	}
	s := &Server{
		Endpoint: "http://" + ln.Addr().String(),
		srv:      &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second},
	}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic(err) // Serve fails only on a broken listener
		}
	}()
	return s, nil
}

// Close stops the server (Serve returns at once), letting requests in
// flight finish for up to 5 s.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

// ServicesState is what `localrun services` writes to its state file so that
// the other commands find the running services.
type ServicesState struct {
	PID    int    `json:"pid"`
	Region string `json:"region"`
	// Endpoint is moto's: every service.
	Endpoint string `json:"endpoint"`
}

// ReadServicesState reads the state file at path and checks that the
// endpoint it names still answers; ok is false when the file is missing or
// it does not (the services were stopped).
func ReadServicesState(path string) (st ServicesState, ok bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return ServicesState{}, false, nil
	} else if err != nil {
		return ServicesState{}, false, err
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return ServicesState{}, false, fmt.Errorf("decode %s: %w", path, err)
	}
	u, err := url.Parse(st.Endpoint)
	if err != nil {
		return st, false, nil
	}
	c, err := net.DialTimeout("tcp", u.Host, time.Second)
	if err != nil {
		return st, false, nil
	}
	c.Close()
	return st, true, nil
}
