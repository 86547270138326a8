package localrun

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestWriteSampleEventsNeverOverwritesEdits: a sample event the user edited
// survives a second write; overwrite replaces it; only names one event.
func TestWriteSampleEventsNeverOverwritesEdits(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "events")
	evs := map[string][]byte{"api.json": []byte(`{"v":1}`), "kitchen.json": []byte(`{"k":1}`)}
	written, kept, err := WriteSampleEvents(evs, dir, false)
	if err != nil || len(written) != 2 || len(kept) != 0 {
		t.Fatalf("first write: got written %q, kept %q, error %v; want both written", written, kept, err)
	}
	api := filepath.Join(dir, "api.json")
	if err := os.WriteFile(api, []byte(`{"edited":true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "kitchen.json"))
	written, kept, err = WriteSampleEvents(evs, dir, false)
	if err != nil || !slices.Equal(kept, []string{api}) || !slices.Equal(written, []string{filepath.Join(dir, "kitchen.json")}) {
		t.Fatalf("second write: got written %q, kept %q, error %v; want api.json kept, kitchen.json written", written, kept, err)
	}
	if b, _ := os.ReadFile(api); string(b) != `{"edited":true}` {
		t.Errorf("api.json: got %s, want the user's edit kept", b)
	}
	if _, _, err := WriteSampleEvents(evs, dir, true, "api.json"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(api); string(b) != `{"v":1}` {
		t.Errorf("api.json after overwrite: got %s, want the sample", b)
	}
	_, _, err = WriteSampleEvents(evs, dir, false, "nope.json")
	if err == nil || !strings.Contains(err.Error(), "no sample event nope.json (there are api.json, kitchen.json)") {
		t.Errorf("unknown event: got %v, want an error listing the events", err)
	}
}

// TestServeOnATakenPortSaysSo: a port another process holds is a
// *PortInUseError (so the commands can suggest PORT=), from CheckPort too.
func TestServeOnATakenPortSaysSo(t *testing.T) {
	holder, err := Serve(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	port, _ := strconv.Atoi(holder.Endpoint[strings.LastIndex(holder.Endpoint, ":")+1:])
	for name, err := range map[string]error{"Serve": func() error {
		s, err := Serve(port, nil)
		if err == nil {
			s.Close()
		}
		return err
	}(), "CheckPort": CheckPort(port)} {
		inUse, ok := err.(*PortInUseError)
		if !ok || inUse.Port != port || !strings.Contains(err.Error(), "is taken by another process") {
			t.Errorf("%s on a taken port: got %v, want a *PortInUseError for port %d", name, err, port)
		}
	}
	free, err := FreePort()
	if err != nil || CheckPort(free) != nil {
		t.Errorf("FreePort: got %d (%v), want a port CheckPort accepts", free, err)
	}
}
