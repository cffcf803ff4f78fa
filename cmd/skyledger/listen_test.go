package main

import (
	"bytes"
	"flag"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/internal/localcloud"
)

// listen finds the running runtime through <data-dir>/runtime.json, so it
// reaches a runtime started on other ports without -api.
func TestListenAPIURLFromRuntimeJSON(t *testing.T) {
	t.Setenv("SKYLEDGER_ADDR", "")
	dir := t.TempDir()
	assert.Equal(t, "http://127.0.0.1:8080", apiURL(dir), "no runtime.json: the default address")
	t.Setenv("SKYLEDGER_ADDR", "127.0.0.1:9999")
	assert.Equal(t, "http://127.0.0.1:9999", apiURL(dir))
	require.NoError(t, localcloud.WriteInfo(dir, localcloud.Info{APIURL: "http://127.0.0.1:41234"}))
	assert.Equal(t, "http://127.0.0.1:41234", apiURL(dir))
}

func TestListenHelpIsNotAnError(t *testing.T) {
	var out bytes.Buffer
	err := listen([]string{"-h"}, &out)
	require.ErrorIs(t, err, flag.ErrHelp)
	err = listen([]string{}, &out)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "-key")
}
