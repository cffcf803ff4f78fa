package pirep_test

import (
	"slices"
	"testing"
	"time"

	"github.com/skyledger/skyledger/domain/pirep"
	"github.com/skyledger/skyledger/internal/cputime"
)

// vectorInputs are the inputs of the golden vectors (testdata/vectors).
var vectorInputs = []string{
	"PUB UUA /OV PUB 243022/TM 0010/FL160/TP COL4/TB SEV/RM CWSU ZDV",
	"BIL UA /OV BIL /TM 0017 /FL080 /TP BE9L /TA UNKN /IC LGT MX 070-080",
	"PIB UA /OV MBO-LBY360014 /TM 0019 /FL025 /TP PA22 /SK SKC /WX FV05SM HZ /TB NEG",
	"SCH UA /OV ALB310030 /TM 1929 /FL080 /TP M20P /TA 08 /WV 30715KT /TB NEG /RM SMTH",
	"KCMH UA /OV APE 230010/TM 1516/FL085/TP BE20/SK BKN065/WX FV03SM HZ FU/TA 20/TB LGT",
	"UUA/OV ANC240075/TM 2110/FL370/TP DC10/WX VA/RM VOLCANIC ERUPTION 2008Z MT AUGUSTINE ASH 40S MOV SSE",
	"ADW UA /OV OTT/TM 1925/FL240/TP MD90/TA M18/IC TRACE MX",
}

// benchInputs are the golden vectors plus a long multi-layer report.
var benchInputs = append(slices.Clone(vectorInputs),
	"OKC UA /OV KOKC-KTUL/TM 1800/FL120/TP BE90/SK BKN018-TOP055/OVC072-TOP089/SKC/TA M07/WV 08021KT/TB LGT 055-072/IC LGT-MOD RIME 072-089",
)

// lenientInputs are constructed reports of the real-world variant
// classes (free-form /OV, old sky layouts, word forms, kept text).
var lenientInputs = []string{
	"DEN UA /OV 20 NE DEN /TM 1200 /FL95 /TP B738 /TB LIGHT TO MODERATE CHOPPY",
	"XQ UA /OV 41N062W/TM 0300/FL350/TP B77W/TB MDT OCCASIONAL FL340-FL360/RM DEV 10NM N DUE WX",
	"SLC UA /OV SLC 090015/TM 1800/FL030-000/TP C172/SK 040 BKN 065/WX 5SM -RA/TA 7/WV 27020G35KT",
	"ORD UA /OV RY 27L SHORT FINAL/TM 2100/FLDURGD/TP E75L/SK 022OVC048/IC LGT UNKN/RM +/- 15KT ON FINAL",
	"BOS UA /OV BOS-20 W ORH/TM 1500/FL120/TP A320/SK FEW020 SCT045/TB CONT LGT OCNL MOD/IC MODERATE MIXED 090-060",
}

// reportsPerSecond reports throughput by wall time and by the process's
// CPU time (user+system), which stays meaningful on a shared, loaded
// machine where wall time includes waiting for a core.
func reportsPerSecond(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
	if used := cputime.Process() - cpu0; used > 0 {
		b.ReportMetric(float64(b.N)/used.Seconds(), "reports/cpu-s")
	}
}

// BenchmarkParse measures Parse per core (run with -cpu 1 for per-core).
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	cpu0 := cputime.Process()
	for i := 0; b.Loop(); i++ {
		if _, err := pirep.Parse(benchInputs[i%len(benchInputs)]); err != nil {
			b.Fatal(err)
		}
	}
	reportsPerSecond(b, cpu0)
}

// BenchmarkEncode measures Encode.
func BenchmarkEncode(b *testing.B) {
	rs := make([]pirep.Report, len(benchInputs))
	for i, s := range benchInputs {
		r, err := pirep.Parse(s)
		if err != nil {
			b.Fatal(err)
		}
		rs[i] = r
	}
	b.ReportAllocs()
	cpu0 := cputime.Process()
	for i := 0; b.Loop(); i++ {
		_ = rs[i%len(rs)].Encode()
	}
	reportsPerSecond(b, cpu0)
}

// BenchmarkParseEncode is the submit path's codec work: parse, classify,
// encode. Goal: >= 200,000 reports/s per core.
func BenchmarkParseEncode(b *testing.B) { benchParseEncode(b, benchInputs) }

// BenchmarkParseEncodeLenient is BenchmarkParseEncode on the lenient
// paths (variants decoded as classes, parts kept as text with warnings).
// Goal: >= 200,000 reports/s per core.
func BenchmarkParseEncodeLenient(b *testing.B) { benchParseEncode(b, lenientInputs) }

// benchParseEncode parses, classifies and encodes the inputs round robin.
func benchParseEncode(b *testing.B, inputs []string) {
	b.ReportAllocs()
	cpu0 := cputime.Process()
	for i := 0; b.Loop(); i++ {
		r, err := pirep.Parse(inputs[i%len(inputs)])
		if err != nil {
			b.Fatal(err)
		}
		if err := pirep.Decide(&r, ""); err != nil {
			b.Fatal(err)
		}
		_ = r.Encode()
	}
	reportsPerSecond(b, cpu0)
}

// BenchmarkToAWC measures the aviationweather.gov mapping (includes Encode
// and the location lookup).
func BenchmarkToAWC(b *testing.B) {
	r, err := pirep.Parse(benchInputs[4])
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 11, 26, 16, 0, 0, 0, time.UTC)
	pirep.ToAWC(r, at) // load the location table outside the timer
	b.ReportAllocs()
	cpu0 := cputime.Process()
	for b.Loop() {
		_ = pirep.ToAWC(r, at)
	}
	reportsPerSecond(b, cpu0)
}
