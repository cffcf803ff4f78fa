package awstest_test

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/skyledger/skyledger/internal/awstest"
)

func TestPrefixIsAValidTableName(t *testing.T) {
	t.Parallel()
	valid := regexp.MustCompile(`^[A-Za-z0-9_.-]{3,255}$`)
	for _, name := range []string{"a", "events=10/writers=16", "x#1 y"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := awstest.Prefix(t)
			assert.Regexp(t, valid, p+"Events")
			assert.NotEqual(t, p, awstest.Prefix(t), "prefixes are unique")
		})
	}
}
