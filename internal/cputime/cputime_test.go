package cputime_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/skyledger/skyledger/internal/cputime"
)

// Busy work shows as CPU time that only grows.
func TestProcessGrowsWithWork(t *testing.T) {
	t.Parallel()
	before := cputime.Process()
	x := 0
	for start := time.Now(); time.Since(start) < 50*time.Millisecond; {
		x++
	}
	after := cputime.Process()
	assert.Positive(t, x)
	assert.Greater(t, after, before)
}
