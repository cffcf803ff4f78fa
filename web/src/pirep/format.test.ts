import { describe, expect, it } from 'vitest';
import { EMPTY_FIELDS, altitudeOf, placeServerError, composeRaw, elementForField, splitElements, validateFields, validateRaw } from './format';

// the test vectors of domain/pirep/testdata/vectors (docs/pirep.md)
const VECTORS = [
  'PUB UUA /OV PUB 243022/TM 0010/FL160/TP COL4/TB SEV/RM CWSU ZDV',
  'BIL UA /OV BIL /TM 0017 /FL080 /TP BE9L /TA UNKN /IC LGT MX 070-080',
  'PIB UA /OV MBO-LBY360014 /TM 0019 /FL025 /TP PA22 /SK SKC /WX FV05SM HZ /TB NEG',
  'SCH UA /OV ALB310030 /TM 1929 /FL080 /TP M20P /TA 08 /WV 30715KT /TB NEG /RM SMTH',
  'KCMH UA /OV APE 230010/TM 1516/FL085/TP BE20/SK BKN065/WX FV03SM HZ FU/TA 20/TB LGT',
  'UUA/OV ANC240075/TM 2110/FL370/TP DC10/WX VA/RM VOLCANIC ERUPTION 2008Z MT AUGUSTINE ASH 40S MOV SSE',
  'ADW UA /OV OTT/TM 1925/FL240/TP MD90/TA M18/IC TRACE MX',
];

describe('splitElements', () => {
  it('cuts vector 1 into its header and elements with positions', () => {
    const els = splitElements(VECTORS[0]);
    expect(els.map((e) => [e.key, e.text])).toEqual([
      ['header', 'PUB UUA'],
      ['OV', '/OV PUB 243022'],
      ['TM', '/TM 0010'],
      ['FL', '/FL160'],
      ['TP', '/TP COL4'],
      ['TB', '/TB SEV'],
      ['RM', '/RM CWSU ZDV'],
    ]);
    for (const e of els) expect(VECTORS[0].slice(e.start, e.end)).toBe(e.text);
  });

  it('keeps layer slashes inside /SK and /TB', () => {
    const els = splitElements('DEN UA /OV DEN/TM 1200/FL100/TP B737/SK SCT-BKN050-TOP100/OVC120/TB LGT 040/MOD 080');
    expect(els.find((e) => e.key === 'SK')!.text).toBe('/SK SCT-BKN050-TOP100/OVC120');
    expect(els.find((e) => e.key === 'TB')!.text).toBe('/TB LGT 040/MOD 080');
  });

  it.each(VECTORS.map((v, i) => ({ name: `vector ${i + 1}`, v })))('$name passes the client check', ({ v }) => {
    expect(validateRaw(v)).toEqual({});
  });
});

describe('validateRaw points at the offending element', () => {
  it.each([
    { name: 'missing type', raw: 'PUB /OV PUB/TM 0010/FL160/TP COL4/TB SEV', want: { header: expect.stringContaining('UA or UUA') } },
    { name: 'bad time', raw: 'PUB UA /OV PUB/TM 2510/FL160/TP COL4/TB SEV', want: { TM: expect.stringContaining('HHMM') } },
    { name: 'bad altitude', raw: 'PUB UA /OV PUB/TM 0010/FL16/TP COL4/TB SEV', want: { FL: expect.stringContaining('3 digits') } },
    { name: 'missing aircraft', raw: 'PUB UA /OV PUB/TM 0010/FL160/TB SEV', want: { TP: '/TP is required' } },
    { name: 'no weather', raw: 'PUB UA /OV PUB/TM 0010/FL160/TP COL4', want: { raw: expect.stringContaining('weather element') } },
    { name: 'out of order', raw: 'PUB UA /OV PUB/TM 0010/FL160/TP COL4/RM X/TB SEV', want: { TB: expect.stringContaining('out of order') } },
    { name: 'empty', raw: '   ', want: { raw: 'required' } },
  ])('$name', ({ raw, want }) => expect(validateRaw(raw)).toEqual(want));
});

describe('structured fields', () => {
  const v1 = { ...EMPTY_FIELDS, station: 'pub', urgent: true, OV: 'PUB 243022', TM: '0010', FL: '160', TP: 'col4', TB: 'SEV', RM: 'CWSU ZDV' };

  it('compose the canonical text of vector 1', () => {
    expect(composeRaw(v1)).toBe(VECTORS[0]);
    expect(validateFields(v1)).toEqual({});
  });

  it('name each bad field', () => {
    expect(validateFields({ ...EMPTY_FIELDS, station: 'TOOLONG', TM: '99', FL: 'abc', TA: 'warm', WV: 'north' })).toEqual({
      station: '3 or 4 letters or digits',
      OV: 'required',
      TM: 'HHMM in UTC, e.g. 0010',
      FL: '3 digits (hundreds of feet) or UNKN',
      TP: 'required',
      TA: 'two digits °C, M prefix for negative (M08)',
      WV: 'direction and speed, e.g. 02009KT',
    });
    expect(validateFields({ ...v1, TB: '', RM: '' })).toEqual({ SK: expect.stringContaining('at least one weather element') });
  });
});

describe('elementForField', () => {
  it.each([
    { field: 'tb', want: 'TB' },
    { field: 'raw.tb', want: 'TB' },
    { field: '/TB', want: 'TB' },
    { field: 'turbulence[0].intensity', want: 'TB' },
    { field: 'fl', want: 'FL' },
    { field: 'station', want: 'header' },
    { field: 'type', want: 'header' },
    { field: 'raw', want: undefined },
    { field: undefined, want: undefined },
  ])('$field -> $want', ({ field, want }) => expect(elementForField(field)).toBe(want));
});

it('altitudeOf reads /FL', () => {
  expect(altitudeOf(VECTORS[0])).toBe(160);
  expect(altitudeOf(VECTORS[1])).toBe(80);
  expect(altitudeOf('X UA /OV X/TM 0000/FLUNKN/TP UNKN/RM X')).toBeNull();
});

describe('placeServerError (the server names "raw" and the element in the message)', () => {
  it.each([
    { name: 'element', field: 'raw', msg: 'raw: /TB at byte 47: unknown intensity "SEVX"; expected NEG, LGT, MOD, SEV, EXTRM', want: { key: 'TB', message: 'unknown intensity "SEVX"; expected NEG, LGT, MOD, SEV, EXTRM (at character 48)' } },
    { name: 'station', field: 'raw', msg: 'raw: station at byte 0: not a station id', want: { key: 'header', message: 'not a station id (at character 1)' } },
    { name: 'whole report', field: 'raw', msg: 'raw: report at byte 30: no weather element', want: { key: undefined, message: 'no weather element (at character 31)' } },
    { name: 'structured path', field: 'turbulence[0].intensity', msg: 'turbulence[0].intensity: unknown', want: { key: 'TB', message: 'unknown' } },
    { name: 'downgrade', field: 'type', msg: 'type: UA refused, the report is urgent (severe turbulence); use UUA or omit type', want: { key: 'header', message: 'UA refused, the report is urgent (severe turbulence); use UUA or omit type' } },
    { name: 'plain raw', field: 'raw', msg: 'raw: required: the encoded text, or the structured report', want: { message: 'required: the encoded text, or the structured report' } },
  ])('$name', ({ field, msg, want }) => expect(placeServerError(field, msg)).toEqual(want));
});
