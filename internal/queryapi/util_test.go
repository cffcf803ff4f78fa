package queryapi_test

import "strings"

func cut(routeKey string) (string, string, bool) { return strings.Cut(routeKey, " ") }

func replace(s, old, new string) string { return strings.ReplaceAll(s, old, new) }
