package localcloud

import (
	"encoding/json"
	"os"
	"path/filepath"
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

// ReadInfo reads dataDir/runtime.json.
func ReadInfo(dataDir string) (Info, error) {
	var i Info
	b, err := os.ReadFile(filepath.Join(dataDir, InfoFile))
	if err != nil {
		return i, err
	}
	return i, json.Unmarshal(b, &i)
}
