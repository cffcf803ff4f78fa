// Package envflag gives the commands' flags their defaults from the
// environment, so SKYLEDGER_DATA_DIR and the like work wherever the flag
// does.
package envflag

import "os"

// Default is the value of the environment variable name, or def when it is
// unset or empty.
func Default(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
