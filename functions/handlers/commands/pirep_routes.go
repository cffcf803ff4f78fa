package commands

// pirepRoutes lists the PIREP command routes. Placeholder owned by the PIREP
// engineer, who replaces this file (pirep*.go files belong to them).
func pirepRoutes(s *Service) []Route { return nil }
