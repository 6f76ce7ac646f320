package checks_test

import (
	"fmt"
	"time"

	"github.com/handsoff-cdk/handsoff/checks"
	"github.com/handsoff-cdk/handsoff/stages"
)

// Blocked says whether a stage may start, and why not.
func ExampleCalendar_Blocked() {
	cfg, _ := stages.Parse(stages.ExampleDocument(), "example")
	cal := checks.NewCalendar(cfg)
	lunch := time.Date(2026, 3, 3, 13, 0, 0, 0, time.FixedZone("HKT", 8*3600))
	fmt.Println(cal.Blocked("prod", lunch))
	fmt.Println(cal.Blocked("beta", lunch))
	// Output:
	// [freeze window "sales-demos" until 2026-03-03 15:00 HKT]
	// []
}

// A service's handsoff bootstrap stack is deployed once per account and
// region, before its pipeline: it holds the gate role that pipeline uses
// there, and no other service's pipeline may.
func ExampleBootstrapTemplate() {
	tmpl := checks.BootstrapTemplate("orders")
	fmt.Println(checks.BootstrapStackName("orders"), "version", checks.BootstrapVersion)
	fmt.Println(checks.GateRoleName("orders", "us-east-1"))
	fmt.Println(len(tmpl["Resources"].(map[string]any)), "resource")
	// Output:
	// handsoff-orders-bootstrap version 3
	// handsoff-orders-gate-us-east-1
	// 1 resource
}
