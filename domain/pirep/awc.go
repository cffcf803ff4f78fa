package pirep

import (
	"slices"
	"strings"
	"time"
)

// AWC is one report in the aviationweather.gov PIREP JSON shape
// (docs/pirep.md): missing text is "", missing numbers are null.
// Altitudes (fltLvl, cloud base/top, icing and turbulence bases/tops) are
// hundreds of feet MSL, as in the text.
type AWC struct {
	ReceiptTime string     `json:"receiptTime"`
	ObsTime     int64      `json:"obsTime"`
	IcaoID      string     `json:"icaoId"`
	AcType      string     `json:"acType"`
	Lat         *float64   `json:"lat"`
	Lon         *float64   `json:"lon"`
	FltLvl      *int       `json:"fltLvl"`
	FltLvlType  string     `json:"fltLvlType"`
	Clouds      []AWCCloud `json:"clouds"` // null without /SK, as AWC
	Visib       *int       `json:"visib"`
	WxString    string     `json:"wxString"`
	Temp        *int       `json:"temp"`
	Wdir        *int       `json:"wdir"`
	Wspd        *int       `json:"wspd"`
	IcgBas1     *int       `json:"icgBas1"`
	IcgTop1     *int       `json:"icgTop1"`
	IcgInt1     string     `json:"icgInt1"`
	IcgType1    string     `json:"icgType1"`
	IcgBas2     *int       `json:"icgBas2"`
	IcgTop2     *int       `json:"icgTop2"`
	IcgInt2     string     `json:"icgInt2"`
	IcgType2    string     `json:"icgType2"`
	TbBas1      *int       `json:"tbBas1"`
	TbTop1      *int       `json:"tbTop1"`
	TbInt1      string     `json:"tbInt1"`
	TbType1     string     `json:"tbType1"`
	TbFreq1     string     `json:"tbFreq1"`
	TbBas2      *int       `json:"tbBas2"`
	TbTop2      *int       `json:"tbTop2"`
	TbInt2      string     `json:"tbInt2"`
	TbType2     string     `json:"tbType2"`
	TbFreq2     string     `json:"tbFreq2"`
	VertGust    *int       `json:"vertGust"`
	BrkAction   string     `json:"brkAction"`
	PirepType   string     `json:"pirepType"`
	RawOb       string     `json:"rawOb"`
}

// AWCCloud is one entry of AWC.Clouds.
type AWCCloud struct {
	Cover string `json:"cover"`
	Base  *int   `json:"base"`
	Top   *int   `json:"top"`
}

var awcWords = map[string]string{"EXTRM": "EXTM", "TRACE": "TRC", "CLR": "CLEAR", "MX": "MIXED", "CONS": "CONT"}

func awcWord(w string) string {
	if s, ok := awcWords[w]; ok {
		return s
	}
	return w
}

var (
	awcTbInt  = []string{"NEG", "SMTH-LGT", "LGT", "LGT-MOD", "MOD", "MOD-SEV", "SEV", "SEV-EXTM", "EXTM"}
	awcIcgInt = []string{"NEG", "TRC", "TRC-LGT", "LGT", "LGT-MOD", "MOD", "MOD-SEV", "HVY", "SEV"}
)

// awcIntensity maps an intensity (range) onto AWC's allowed values:
// NEG-LGT turbulence becomes SMTH-LGT; any other range that AWC does not
// list counts by its upper end (the urgency rule's conservative choice).
func awcIntensity(lo, hi string, allowed []string) string {
	lo, hi = awcWord(lo), awcWord(hi)
	if hi == "" {
		return lo
	}
	if lo == "NEG" && hi == "LGT" && rank(allowed, "SMTH-LGT") >= 0 {
		return "SMTH-LGT"
	}
	if v := lo + "-" + hi; rank(allowed, v) >= 0 {
		return v
	}
	return hi
}

// awcBand gives base and top of a layer: no altitude means at /FL; BLO x
// is (null, x); ABV x is (x, null).
func awcBand(b *Band, fl *int) (*int, *int) {
	switch {
	case b == nil:
		return fl, fl
	case b.Qualifier == Below:
		return nil, intp(b.Base)
	case b.Qualifier == Above:
		return intp(b.Base), nil
	case b.Top != nil:
		return intp(b.Base), intp(*b.Top)
	}
	return intp(b.Base), intp(b.Base)
}

// ToAWC maps a report onto the aviationweather.gov field names. Parts
// kept as written appear only in rawOb (layers with nothing decoded are
// left out of the layer fields). Pure:
// receivedAt dates /TM (ObservedAt) and is the receipt time; lat/lon are
// the first resolvable /OV point (LookupFix), null when none resolves.
// Code words map as EXTRM->EXTM, TRACE->TRC, CLR->CLEAR, MX->MIXED,
// CONS->CONT; INTMT, which AWC does not list, maps to CONT (conservative).
func ToAWC(r Report, receivedAt time.Time) AWC {
	a := AWC{
		ReceiptTime: receivedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
		ObsTime:     r.ObservedAt(receivedAt).Unix(),
		IcaoID:      r.Station,
		AcType:      r.AircraftType,
		FltLvl:      r.Altitude.Level,
		Temp:        r.Temperature,
		PirepType:   "PIREP",
		RawOb:       r.Encode(),
	}
	if r.AircraftType == Unknown {
		a.AcType = ""
	}
	if r.Type == Urgent {
		a.PirepType = "Urgent PIREP"
	}
	if ll, ok := r.Position(); ok {
		lat, lon := ll.Lat, ll.Lon
		a.Lat, a.Lon = &lat, &lon
	}
	switch {
	case r.Altitude.Phase != "":
		a.FltLvlType = r.Altitude.Phase
	case r.Altitude.Level == nil:
		a.FltLvlType = "UNKN"
	case *r.Altitude.Level == 0:
		a.FltLvlType = "GRND"
	default:
		// aviationweather.gov labels a plainly reported level OTHER
		a.FltLvlType = "OTHER"
	}
	for _, l := range r.Sky {
		if l.Text != "" {
			continue // kept as written: rawOb carries it
		}
		cover := l.Cover
		if l.CoverUpper != "" {
			cover += "-" + l.CoverUpper
		}
		a.Clouds = append(a.Clouds, AWCCloud{Cover: cover, Base: l.Base, Top: l.Top})
	}
	if w := r.Weather; w != nil {
		a.Visib = w.FlightVisibility
		a.WxString = strings.Join(w.Groups, " ")
	}
	if w := r.Wind; w != nil {
		a.Wdir, a.Wspd = intp(w.Direction), intp(w.Speed)
	}
	// the fields hold the first two layers with an intensity
	icing := slices.DeleteFunc(slices.Clone(r.Icing), func(l IcingLayer) bool { return l.Intensity == "" })
	for i, l := range icing {
		bas, top := awcBand(l.Altitude, r.Altitude.Level)
		in, ty := awcIntensity(l.Intensity, l.IntensityUpper, awcIcgInt), awcWord(l.Type)
		switch i {
		case 0:
			a.IcgBas1, a.IcgTop1, a.IcgInt1, a.IcgType1 = bas, top, in, ty
		case 1:
			a.IcgBas2, a.IcgTop2, a.IcgInt2, a.IcgType2 = bas, top, in, ty
		}
	}
	turbulence := slices.DeleteFunc(slices.Clone(r.Turbulence), func(l TurbulenceLayer) bool { return l.Intensity == "" })
	for i, l := range turbulence {
		bas, top := awcBand(l.Altitude, r.Altitude.Level)
		in, ty, fq := awcIntensity(l.Intensity, l.IntensityUpper, awcTbInt), l.Type, awcWord(l.Frequency)
		if fq == "INTMT" {
			fq = "CONT"
		}
		switch i {
		case 0:
			a.TbBas1, a.TbTop1, a.TbInt1, a.TbType1, a.TbFreq1 = bas, top, in, ty, fq
		case 1:
			a.TbBas2, a.TbTop2, a.TbInt2, a.TbType2, a.TbFreq2 = bas, top, in, ty, fq
		}
	}
	return a
}
