// Package termfg lets a long-running command started by a tool (make) take
// the terminal's foreground for itself, so Ctrl-C reaches it alone: it stops
// gracefully and the tool sees its exit status (0) instead of being
// interrupted too (make always dies of a SIGINT it receives).
package termfg
