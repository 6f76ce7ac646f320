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
