//go:build !(linux || darwin || freebsd)

package termfg

// Take does nothing where process groups and terminals work differently.
func Take() (restore func()) { return func() {} }
