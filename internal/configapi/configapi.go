// Package configapi holds the shapes of the configuration service's
// responses that the handsoff CLI reads as well as the service writes, so
// that the two cannot drift apart. It imports nothing: the CLI uses it
// without the service's storage drivers.
package configapi

// Location is one environment of a service, as "handsoff whereis" shows it.
type Location struct {
	Environment string `json:"environment"`
	Stage       string `json:"stage"`
	Wave        string `json:"wave"`
	Account     string `json:"account"`
	Region      string `json:"region"`
	OneBox      bool   `json:"onebox"`
}

// ServiceLocations is where one service runs.
type ServiceLocations struct {
	Repo         string     `json:"repo"`
	Name         string     `json:"name"`
	Owner        string     `json:"owner"`
	Environments []Location `json:"environments"`
}

// Locations is the body of GET /v1/locations.
type Locations struct {
	Services []ServiceLocations `json:"services"`
}
