import { useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { useSubmitPirep, useTenants } from '../api/hooks';
import type { User } from '../api/types';
import { Field, FormError, SelectField } from '../components/Field';
import { TenantSelect, firstCustomerTenant } from '../components/TenantSelect';
import { Warnings } from '../components/Warnings';
import { warningsOf } from '../pirep/decode';
import { loadStations, lookupStation } from '../pirep/stations';
import { hasErrors, type Errors } from '../forms/validation';
import {
  EMPTY_FIELDS,
  TAGS,
  TAG_LABEL,
  composeRaw,
  placeServerError,
  splitElements,
  validateFields,
  validateRaw,
  type PirepFields,
  type Tag,
} from '../pirep/format';

type Mode = 'structured' | 'raw';

const HINT: Partial<Record<Tag, string>> = {
  OV: 'NAVAID or airport, optional radial+distance: PUB 243022',
  TM: 'HHMM UTC: 0010 (now, pre-filled)',
  FL: '3 digits, hundreds of feet: 160 (or UNKN)',
  TP: 'ICAO type, at most 4 characters: C172',
};

/** Pick lists for the hazard elements (docs/pirep.md). */
const TB_INT = ['NEG', 'LGT', 'LGT-MOD', 'MOD', 'MOD-SEV', 'SEV', 'SEV-EXTRM', 'EXTRM'];
const TB_TYPE = ['CAT', 'CHOP'];
const FREQ = ['OCNL', 'INTMT', 'CONS'];
const IC_INT = ['NEG', 'TRACE', 'TRACE-LGT', 'LGT', 'LGT-MOD', 'MOD', 'MOD-SEV', 'SEV'];
const IC_TYPE = ['RIME', 'CLR', 'MX'];
/** Common aircraft types offered by the /TP input (any designator may be typed). */
const TYPES = ['C172', 'C182', 'C208', 'PA28', 'PA32', 'SR22', 'BE20', 'BE36', 'DA40', 'PC12', 'CRJ9', 'E75L', 'B737', 'B738', 'B739', 'A320', 'A321', 'B752', 'B763', 'MD11', 'COL4', 'UNKN'];

interface Layer {
  freq: string;
  int: string;
  type: string;
  alt: string;
}
const NO_LAYER: Layer = { freq: '', int: '', type: '', alt: '' };

/** layerText writes a /TB or /IC layer from its pick-list parts ('' when no intensity). */
function layerText(l: Layer): string {
  if (!l.int) return '';
  return [l.freq, l.int, l.type, l.alt.trim().toUpperCase()].filter(Boolean).join(' ');
}

/** utcHHMM is the current UTC time as /TM writes it. */
export function utcHHMM(d = new Date()): string {
  return String(d.getUTCHours()).padStart(2, '0') + String(d.getUTCMinutes()).padStart(2, '0');
}

/** ovFix extracts the fix of the first /OV point ('' for a lat/long or nothing). */
function ovFix(ov: string): string {
  const first = ov.trim().toUpperCase().split(/\s*-\s*/)[0].replace(/\s+/g, '');
  if (!first || /^\d{2,4}[NS]\d{3,5}[EW]$/.test(first)) return '';
  const m = /^([A-Z0-9]{2,5}?)(\d{6})?$/.exec(first);
  return m ? m[1] : '';
}

/** serverErrorPlace maps a server error to an element key ('header', a tag) or undefined. */
function serverPlace(err: unknown): { key?: string; message: string } | null {
  if (!err) return null;
  if (err instanceof ApiError) return err.field ? placeServerError(err.field, err.message) : { message: err.message };
  return { message: (err as Error).message };
}

/** PirepSubmit is the submit screen; a viewer is told why there is no form. */
export function PirepSubmit({ me }: { me?: User }) {
  if (me?.role === 'viewer') {
    return (
      <section aria-labelledby="submit-h">
        <h1 id="submit-h">Submit a PIREP</h1>
        <p role="status" data-testid="submit-viewer">
          Your role is <strong>viewer</strong>: viewers read reports but cannot submit them. Ask a tenant admin to make you a pilot.
        </p>
        <p>
          <a href="#/pireps">See the PIREPs</a>
        </p>
      </section>
    );
  }
  return <SubmitForm me={me} />;
}

function SubmitForm({ me }: { me?: User }) {
  const [mode, setMode] = useState<Mode>('structured');
  const fresh = (): PirepFields => ({ ...EMPTY_FIELDS, TM: utcHHMM() });
  const [fields, setFields] = useState<PirepFields>(fresh);
  const [tb, setTb] = useState<Layer>(NO_LAYER);
  const [ic, setIc] = useState<Layer>(NO_LAYER);
  const [raw, setRaw] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const submit = useSubmitPirep();
  const server = serverPlace(submit.error);
  const isPlatform = me?.role === 'platform_admin';
  const tenants = useTenants(isPlatform);
  const [tenant, setTenant] = useState('');
  const target = isPlatform ? tenant || firstCustomerTenant(tenants.data?.items, me) || me?.tenant_id || '' : '';
  const all: PirepFields = { ...fields, TB: layerText(tb), IC: layerText(ic) };

  // the /OV fix, checked against the server's location table (lazy chunk)
  const fix = ovFix(mode === 'raw' ? (splitElements(raw.toUpperCase()).find((e) => e.key === 'OV')?.text.replace(/^\/OV\s*/, '') ?? '') : fields.OV);
  const [unknownFix, setUnknownFix] = useState('');
  useEffect(() => {
    let live = true;
    if (!fix) {
      setUnknownFix('');
      return;
    }
    const t = setTimeout(() => {
      void loadStations().then((tbl) => live && setUnknownFix(lookupStation(tbl, fix) ? '' : fix));
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [fix]);

  function onSubmit(ev: FormEvent) {
    ev.preventDefault();
    const text = mode === 'raw' ? raw.trim() : composeRaw(all);
    const err = mode === 'raw' ? validateRaw(raw) : validateFields(all);
    setErrors(err);
    if (hasErrors(err)) {
      submit.reset(); // a previous result or server error no longer applies
      return;
    }
    submit.mutate(
      { raw: text, ...(isPlatform && target && target !== me?.tenant_id ? { tenant_id: target } : {}) },
      {
        onSuccess: () => {
          setRaw('');
          setFields(fresh());
          setTb(NO_LAYER);
          setIc(NO_LAYER);
        },
      },
    );
  }

  // errors per structured input: client first, then the server's named element
  const fieldErr = (k: string): string | undefined => {
    if (errors[k]) return errors[k];
    if (!server?.key) return undefined;
    if (server.key === k || (server.key === 'header' && k === 'station')) return server.message;
    return undefined;
  };
  const formError = server && !server.key ? server.message : undefined;

  const set = (k: keyof PirepFields) => (x: { target: { value: string } }) => setFields({ ...fields, [k]: x.target.value });

  // raw mode: the element that an error points at
  const rawErrKeys = new Set(Object.keys(errors).filter((k) => errors[k]));
  if (server?.key) rawErrKeys.add(server.key);
  const elements = mode === 'raw' ? splitElements(raw) : [];

  return (
    <section aria-labelledby="submit-h">
      <h1 id="submit-h">Submit a PIREP</h1>
      <fieldset className="modes">
        <legend>Input</legend>
        <label>
          <input type="radio" name="mode" value="structured" checked={mode === 'structured'} onChange={() => setMode('structured')} data-testid="mode-structured" /> Structured fields
        </label>
        <label>
          <input type="radio" name="mode" value="raw" checked={mode === 'raw'} onChange={() => setMode('raw')} data-testid="mode-raw" /> Encoded text
        </label>
      </fieldset>
      {isPlatform && (
        <TenantSelect label="Submit into tenant" value={target} tenants={tenants.data?.items} onChange={setTenant} testid="pirep-tenant" markPlatform />
      )}
      <form onSubmit={onSubmit} noValidate data-testid="pirep-form" aria-label="PIREP">
        {mode === 'structured' ? (
          <div className="grid">
            <Field label="Station (3-4 letters)" value={fields.station} onChange={set('station')} error={fieldErr('station')} testid="pirep-station" autoCapitalize="characters" />
            <div className="field">
              <label>
                <input type="checkbox" checked={fields.urgent} onChange={(x) => setFields({ ...fields, urgent: x.target.checked })} data-testid="pirep-urgent" /> Urgent (UUA)
              </label>
              <small className="hint">Set automatically when a hazard requires it.</small>
            </div>
            {TAGS.filter((t) => t !== 'TB' && t !== 'IC' && t !== 'RM').map((t) =>
              t === 'TP' ? (
                <Field key={t} label={TAG_LABEL[t] + ' *'} value={fields.TP} onChange={set('TP')} error={fieldErr('TP')} hint={HINT.TP} testid="pirep-tp" list="pirep-types" autoCapitalize="characters" />
              ) : (
                <Field key={t} label={TAG_LABEL[t] + (['OV', 'TM', 'FL'].includes(t) ? ' *' : '')} value={fields[t]} onChange={set(t)} error={fieldErr(t)} hint={HINT[t]} testid={`pirep-${t.toLowerCase()}`} />
              ),
            )}
            <datalist id="pirep-types">
              {TYPES.map((t) => (
                <option key={t} value={t} />
              ))}
            </datalist>
            <LayerPicker tag="TB" legend="Turbulence (/TB)" layer={tb} setLayer={setTb} ints={TB_INT} types={TB_TYPE} freqs={FREQ} error={fieldErr('TB')} />
            <LayerPicker tag="IC" legend="Icing (/IC)" layer={ic} setLayer={setIc} ints={IC_INT} types={IC_TYPE} error={fieldErr('IC')} />
            <Field label={TAG_LABEL.RM} value={fields.RM} onChange={set('RM')} error={fieldErr('RM')} testid="pirep-rm" />
            <p className="hint">
              Encoded: <code data-testid="pirep-preview">{composeRaw(all)}</code>
            </p>
          </div>
        ) : (
          <div>
            <div className={'field' + (rawErrKeys.size ? ' has-error' : '')}>
              <label htmlFor="pirep-raw">Encoded PIREP</label>
              <textarea
                id="pirep-raw"
                rows={3}
                value={raw}
                onChange={(x) => setRaw(x.target.value)}
                spellCheck={false}
                aria-invalid={rawErrKeys.size ? true : undefined}
                aria-describedby="pirep-raw-errors"
                placeholder="PUB UUA /OV PUB 243022/TM 0010/FL160/TP COL4/TB SEV/RM CWSU ZDV"
                data-testid="pirep-raw"
              />
            </div>
            <ol className="elements" aria-label="Elements" data-testid="pirep-elements">
              {elements.map((el) => {
                const bad = rawErrKeys.has(el.key);
                const msg = (errors[el.key] ?? (server?.key === el.key ? server.message : undefined)) || undefined;
                return (
                  <li key={el.start} className={bad ? 'bad' : ''} data-testid="pirep-element" data-key={el.key} data-bad={bad || undefined}>
                    <code>{el.text}</code>
                    {msg && <span className="error"> ← {msg}</span>}
                  </li>
                );
              })}
            </ol>
            <div id="pirep-raw-errors" data-testid="pirep-raw-errors">
              {Object.entries(errors)
                .filter(([k, m]) => m && !elements.some((el) => el.key === k))
                .map(([k, m]) => (
                  <p key={k} className="error" role="alert">
                    {k === 'raw' || k === 'header' ? '' : `/${k}: `}
                    {m}
                  </p>
                ))}
              {server?.key && !elements.some((el) => el.key === server.key) && (
                <p className="error" role="alert">
                  {server.message}
                </p>
              )}
            </div>
          </div>
        )}
        {unknownFix && (
          <p className="warn" role="status" data-testid="pirep-unknown-fix">
            ⚠ {unknownFix} is not in the location table: the report will be stored but not shown on the map. Give a known airport or a lat/long.
          </p>
        )}
        <FormError message={formError} testid="pirep-error" />
        {submit.isSuccess && (
          <div role="status" className="ok" data-testid="pirep-ok">
            <p>
              Submitted{submit.data?.urgent ? ' as URGENT' : ''}: <code>{submit.data?.raw}</code>
            </p>
            {submit.data?.urgent && (submit.data.urgent_reasons?.length ?? 0) > 0 && <p>Urgent because: {submit.data.urgent_reasons!.join('; ')}</p>}
            {submit.data && !submit.data.position && (
              <p className="warn" data-testid="pirep-ok-unlocated">
                Its location could not be placed: it is not on the map.
              </p>
            )}
            {submit.data && <Warnings warnings={warningsOf(submit.data)} testid="pirep-ok-warnings" />}
          </div>
        )}
        <button type="submit" disabled={submit.isPending} data-testid="pirep-submit">
          {submit.isPending ? 'Submitting…' : 'Submit PIREP'}
        </button>
      </form>
    </section>
  );
}

function LayerPicker({
  tag,
  legend,
  layer,
  setLayer,
  ints,
  types,
  freqs,
  error,
}: {
  tag: 'TB' | 'IC';
  legend: string;
  layer: Layer;
  setLayer: (l: Layer) => void;
  ints: string[];
  types: string[];
  freqs?: string[];
  error?: string;
}) {
  const t = tag.toLowerCase();
  const on = (k: keyof Layer) => (e: { target: { value: string } }) => setLayer({ ...layer, [k]: e.target.value });
  return (
    <fieldset className={'layer' + (error ? ' has-error' : '')} data-testid={`pirep-${t}-layer`}>
      <legend>{legend}</legend>
      <div className="row">
        {freqs && (
          <SelectField label="Frequency" value={layer.freq} onChange={on('freq')} testid={`pirep-${t}-freq`}>
            <option value="">—</option>
            {freqs.map((x) => (
              <option key={x}>{x}</option>
            ))}
          </SelectField>
        )}
        <SelectField label="Intensity" value={layer.int} onChange={on('int')} testid={`pirep-${t}`}>
          <option value="">none reported</option>
          {ints.map((x) => (
            <option key={x}>{x}</option>
          ))}
        </SelectField>
        <SelectField label="Type" value={layer.type} onChange={on('type')} testid={`pirep-${t}-type`}>
          <option value="">—</option>
          {types.map((x) => (
            <option key={x}>{x}</option>
          ))}
        </SelectField>
        <Field label="Altitudes (optional)" size={8} value={layer.alt} onChange={on('alt')} hint="e.g. 120-180" testid={`pirep-${t}-alt`} />
      </div>
      {error && (
        <span className="error" role="alert" data-testid={`pirep-${t}-error`}>
          {error}
        </span>
      )}
    </fieldset>
  );
}
