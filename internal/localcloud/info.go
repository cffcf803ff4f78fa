package localcloud

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/skyledger/skyledger/internal/envflag"
)

// InfoFile is written into the data directory while a runtime runs, so
// CLIs (cmd/deadletter) find its endpoints.
const InfoFile = "runtime.json"

// Info describes a running runtime.
type Info struct {
	PID           int    `json:"pid"`
	Mode          string `json:"mode"`
	APIURL        string `json:"api_url"`
	WSURL         string `json:"ws_url"`
	ManagementURL string `json:"management_url"`
}

// WriteInfo writes dataDir/runtime.json.
func WriteInfo(dataDir string, i Info) error {
	b, err := json.MarshalIndent(i, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dataDir, InfoFile), b)
}

// APIURL is the API URL of the runtime running on dataDir (the api_url of
// its runtime.json), else the one $SKYLEDGER_ADDR names (default
// 127.0.0.1:8080): where the command-line clients find the runtime.
func APIURL(dataDir string) string {
	if info, err := ReadInfo(dataDir); err == nil && info.APIURL != "" {
		return info.APIURL
	}
	return "http://" + envflag.Default("SKYLEDGER_ADDR", "127.0.0.1:8080")
}

// ReadInfo reads dataDir/runtime.json.
func ReadInfo(dataDir string) (Info, error) {
	var i Info
	b, err := os.ReadFile(filepath.Join(dataDir, InfoFile))
	if err != nil {
		return i, err
	}
	return i, json.Unmarshal(b, &i)
}
