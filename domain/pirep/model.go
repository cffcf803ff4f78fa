// Package pirep models, parses, validates, classifies and encodes pilot
// weather reports (PIREPs) in the FAA format described in docs/pirep.md
// (AC 00-45H 3.2.1, FAA-H-8083-28B 24.5.1, the AIM's PIREP table).
//
// The package is pure: no I/O besides the embedded location table.
//
// Contract:
//   - Parse decodes leniently with strict essentials: it refuses only what
//     is not a usable report (an *Error naming the element, the byte
//     position and the expected form) and keeps what it cannot decode as
//     written, listed in Report.Warnings.
//   - Encode emits the canonical FAA text (parts kept as written appear as
//     written). For every Report r that passes Validate and carries its own
//     warnings (r.Warnings == r.Warn(), as Parse and Normalize leave it),
//     Parse(Encode(r)) == r, and Encode(Parse(x)) is a fixed point.
//   - Decide applies the urgency rules (automatic UUA, manual upgrade,
//     refused downgrade).
//
// All functions are safe for concurrent use.
package pirep

import "encoding/json"

// Type is the report type: routine (UA) or urgent (UUA).
type Type string

// The two report types.
const (
	Routine Type = "UA"
	Urgent  Type = "UUA"
)

// Unknown is the FAA "unknown" word (/FL, /TP, /SK bases and tops).
const Unknown = "UNKN"

// MaxRemarks is the longest accepted /RM text in bytes.
const MaxRemarks = 256

// MaxText is the longest accepted encoded report in bytes.
const MaxText = 1024

// Report is the structured form of one PIREP. Element order follows the
// FAA format; optional elements are omitted when they carry no data.
// Altitudes are MSL in hundreds of feet, distances nautical miles,
// visibility statute miles, temperatures degrees Celsius, times UTC.
type Report struct {
	// Station is the nearest weather reporting location (3 or 4
	// characters); empty when the report was printed without one.
	Station string `json:"station,omitempty"`
	// Type is UA or UUA (see Decide).
	Type Type `json:"type"`
	// Location is /OV.
	Location Location `json:"location"`
	// Time is /TM, "HHMM" UTC (see ObservedAt for the date).
	Time string `json:"time"`
	// Altitude is /FL.
	Altitude Altitude `json:"altitude"`
	// AircraftType is /TP: an ICAO Doc 8643 designator (2-4 characters)
	// or "UNKN".
	AircraftType string `json:"aircraft_type"`
	// Sky is /SK, one entry per layer, lowest first as reported.
	Sky []SkyLayer `json:"sky,omitempty"`
	// Weather is /WX.
	Weather *Weather `json:"weather,omitempty"`
	// Temperature is /TA in whole degrees Celsius (-99..99). "/TA UNKN"
	// carries no data and is left out.
	Temperature *int `json:"temperature,omitempty"`
	// Wind is /WV.
	Wind *Wind `json:"wind,omitempty"`
	// Turbulence is /TB, one entry per layer.
	Turbulence []TurbulenceLayer `json:"turbulence,omitempty"`
	// Icing is /IC, one entry per layer.
	Icing []IcingLayer `json:"icing,omitempty"`
	// Remarks is /RM free text (printable ASCII, single spaces, at most
	// MaxRemarks bytes). A trailing DURC/DURD word is carried by
	// Altitude.Phase instead.
	Remarks string `json:"remarks,omitempty"`
	// TemperatureText and WindText keep a /TA or /WV that could not be
	// decoded, as written (single spaces); the decoded field is then absent.
	TemperatureText string `json:"temperature_text,omitempty"`
	WindText        string `json:"wind_text,omitempty"`
	// Warnings lists what was kept as text or could not be located. It is
	// a function of the rest of the report (see Warn), so it survives the
	// round trip through the canonical text.
	Warnings Warnings `json:"warnings,omitempty"`
}

// Warning says that part of an accepted report was kept as written
// instead of decoded (a free-form /OV: stored unlocated), or that a
// turbulence or icing report has an unknown aircraft type.
// Element is the tag ("/TB"), Text the part concerned as stored.
type Warning struct {
	Element string `json:"element"`
	Text    string `json:"text"`
	Message string `json:"message"`
}

// Warnings is a list of warnings that encodes as [] when empty (the
// resource always carries the list; old stored reports have none).
type Warnings []Warning

// MarshalJSON writes [] for a nil list.
func (w Warnings) MarshalJSON() ([]byte, error) {
	if w == nil {
		return []byte("[]"), nil
	}
	return json.Marshal([]Warning(w))
}

// Location is /OV: one point, or a route of points joined by "-".
type Location struct {
	Points []Point `json:"points"`
}

// Point is a fix (airport or NAVAID id, 2-5 characters) with an optional
// radial (degrees, 0-360) and distance (NM, 0-999) from it, or a latitude
// and longitude in degrees (whole arc-minutes, as the text carries them),
// or free text that names no computable position (Text: "RY 4R FINAL",
// stored unlocated; it is then the only point of /OV).
type Point struct {
	Text     string   `json:"text,omitempty"`
	Fix      string   `json:"fix,omitempty"`
	Radial   *int     `json:"radial,omitempty"`
	Distance *int     `json:"distance,omitempty"`
	Lat      *float64 `json:"lat,omitempty"`
	Lon      *float64 `json:"lon,omitempty"`
}

// Altitude is /FL: a level in hundreds of feet MSL (0-999) or unknown, and
// optionally the flight phase DURC (during climb) or DURD (during descent),
// which the text carries as the last word of /RM.
//
// Top makes the level a band Level..Top (/FL030-080, top > level).
type Altitude struct {
	Level   *int   `json:"level,omitempty"`
	Top     *int   `json:"top,omitempty"`
	Unknown bool   `json:"unknown,omitempty"`
	Phase   string `json:"phase,omitempty"`
}

// Flight phases of Altitude.Phase.
const (
	PhaseClimb   = "DURC"
	PhaseDescent = "DURD"
)

// SkyLayer is one /SK layer: cover[-cover_upper] [base] [-TOP top].
// Covers: FEW SCT BKN OVC, or SKC (clear; no base, top or range); the
// cover is empty for a reported top alone ("TOP160"). A layer that could
// not be decoded is Text alone, as written.
type SkyLayer struct {
	Text        string `json:"text,omitempty"`
	Cover       string `json:"cover,omitempty"`
	CoverUpper  string `json:"cover_upper,omitempty"`
	Base        *int   `json:"base,omitempty"`
	BaseUnknown bool   `json:"base_unknown,omitempty"`
	Top         *int   `json:"top,omitempty"`
	TopUnknown  bool   `json:"top_unknown,omitempty"`
}

// Weather is /WX: flight visibility (statute miles, 0-99, rounded down;
// 99 = unrestricted) and at most three METAR weather groups, most
// important first. At least one of the two is present.
//
// Text keeps the element as written when part of it could not be decoded;
// the fields then hold what could be.
type Weather struct {
	FlightVisibility *int     `json:"flight_visibility,omitempty"`
	Groups           []string `json:"groups,omitempty"`
	Text             string   `json:"text,omitempty"`
}

// Wind is /WV: direction in degrees (0-360; stored as reported, see
// docs/decisions/0018-pirep-interpretation.md on true vs magnetic) and speed in knots (0-999).
type Wind struct {
	Direction int  `json:"direction"`
	Speed     int  `json:"speed"`
	Gust      *int `json:"gust,omitempty"`
}

// TurbulenceLayer is one /TB layer:
// [frequency] intensity[-intensity_upper] [type] [altitude].
//
// Text keeps a layer that could not be fully decoded as written; the other
// fields then hold what could be (Intensity may be empty).
type TurbulenceLayer struct {
	Text string `json:"text,omitempty"`
	// Frequency: INTMT (1/3-2/3 of the time), OCNL (< 1/3), CONS (> 2/3).
	Frequency string `json:"frequency,omitempty"`
	// Intensity: NEG LGT MOD SEV EXTRM; IntensityUpper is strictly
	// stronger when a range is reported.
	Intensity      string `json:"intensity"`
	IntensityUpper string `json:"intensity_upper,omitempty"`
	// Type: CAT or CHOP.
	Type string `json:"type,omitempty"`
	// Altitude is given only when it differs from /FL.
	Altitude *Band `json:"altitude,omitempty"`
}

// IcingLayer is one /IC layer: intensity[-intensity_upper] [type] [altitude].
// Text as for TurbulenceLayer.
type IcingLayer struct {
	Text string `json:"text,omitempty"`
	// Intensity: NEG TRACE LGT MOD SEV.
	Intensity      string `json:"intensity"`
	IntensityUpper string `json:"intensity_upper,omitempty"`
	// Type: RIME, CLR or MX.
	Type     string `json:"type,omitempty"`
	Altitude *Band  `json:"altitude,omitempty"`
}

// Band is an altitude or altitude band in hundreds of feet: "040"
// (base only), "120-180" (base and top, top >= base), "BLO 080" or
// "ABV 290" (qualifier and base, no top).
// TopUnknown is a band to an unknown top ("080-UNKN").
type Band struct {
	Qualifier  string `json:"qualifier,omitempty"`
	Base       int    `json:"base"`
	Top        *int   `json:"top,omitempty"`
	TopUnknown bool   `json:"top_unknown,omitempty"`
}

// Band qualifiers.
const (
	Below = "BLO"
	Above = "ABV"
)

// Urgent reports whether the report's type is UUA.
func (r Report) Urgent() bool { return r.Type == Urgent }

// element tags in their mandatory order.
var tags = [...]string{"OV", "TM", "FL", "TP", "SK", "WX", "TA", "WV", "TB", "IC", "RM"}

const (
	tOV = iota
	tTM
	tFL
	tTP
	tSK
	tWX
	tTA
	tWV
	tTB
	tIC
	tRM
)

// fieldOfTag is the JSON field of each element.
var fieldOfTag = [...]string{"location", "time", "altitude", "aircraft_type", "sky", "weather",
	"temperature", "wind", "turbulence", "icing", "remarks"}

func intp(v int) *int { return &v }

// textLayer is a layer of /SK, /TB or /IC, which is either decoded or kept
// as the text the pilot wrote (keptText is then not empty).
type textLayer interface {
	SkyLayer | TurbulenceLayer | IcingLayer
	keptText() string
}

func (l SkyLayer) keptText() string        { return l.Text }
func (l TurbulenceLayer) keptText() string { return l.Text }
func (l IcingLayer) keptText() string      { return l.Text }
