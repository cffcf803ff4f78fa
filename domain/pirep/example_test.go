package pirep_test

import (
	"fmt"

	"github.com/skyledger/skyledger/domain/pirep"
)

// Parse accepts real-world spacing and an element without data; Encode
// emits the canonical FAA text.
func ExampleParse() {
	r, err := pirep.Parse("BIL UA /OV BIL /TM 0017 /FL080 /TP BE9L /TA UNKN /IC LGT MX 070-080")
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Encode())
	// Output: BIL UA /OV BIL/TM 0017/FL080/TP BE9L/IC LGT MX 070-080
}

// Decide with no requested type upgrades a report to UUA when an urgency
// rule fires; an explicit downgrade to UA is refused.
func ExampleDecide() {
	r, _ := pirep.Parse("PUB UA /OV PUB 243022/TM 0010/FL160/TP COL4/TB SEV/RM CWSU ZDV")
	fmt.Println(pirep.Decide(&r, pirep.Routine))
	if err := pirep.Decide(&r, ""); err != nil {
		panic(err)
	}
	fmt.Println(r.Type, pirep.UrgentReasons(r))
	fmt.Println(r.Encode())
	// Output:
	// type: UA refused, the report is urgent (severe or extreme turbulence); use UUA or omit type
	// UUA [severe or extreme turbulence]
	// PUB UUA /OV PUB243022/TM 0010/FL160/TP COL4/TB SEV/RM CWSU ZDV
}

// A refused report names the element, the position and the expected form.
func ExampleParse_error() {
	_, err := pirep.Parse("PUB UA /OV PUB/TM 2590/FL160/TP COL4/TB SEV")
	fmt.Println(err)
	// Output: /TM at byte 18: invalid time "2590"; expected HHMM UTC (0000-2359)
}
