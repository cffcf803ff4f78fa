import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { useSubmitPirep } from '../api/hooks';
import { Field, FormError } from '../components/Field';
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
  TM: 'HHMM UTC: 0010',
  FL: '3 digits, hundreds of feet: 160 (or UNKN)',
  TP: 'ICAO type, at most 4 characters: COL4',
  TB: 'e.g. SEV, MOD-SEV CAT 120-180',
  IC: 'e.g. LGT-MOD MX 085',
};

/** serverErrorPlace maps a server error to an element key ('header', a tag) or undefined. */
function serverPlace(err: unknown): { key?: string; message: string } | null {
  if (!err) return null;
  if (err instanceof ApiError) return err.field ? placeServerError(err.field, err.message) : { message: err.message };
  return { message: (err as Error).message };
}

export function PirepSubmit() {
  const [mode, setMode] = useState<Mode>('structured');
  const [fields, setFields] = useState<PirepFields>(EMPTY_FIELDS);
  const [raw, setRaw] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const submit = useSubmitPirep();
  const server = serverPlace(submit.error);

  function onSubmit(ev: FormEvent) {
    ev.preventDefault();
    const text = mode === 'raw' ? raw.trim() : composeRaw(fields);
    const err = mode === 'raw' ? validateRaw(raw) : validateFields(fields);
    setErrors(err);
    if (hasErrors(err)) {
      submit.reset(); // a previous result or server error no longer applies
      return;
    }
    submit.mutate(
      { raw: text },
      {
        onSuccess: () => {
          setRaw('');
          setFields(EMPTY_FIELDS);
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
      <h2 id="submit-h">Submit a PIREP</h2>
      <fieldset className="modes">
        <legend>Input</legend>
        <label>
          <input type="radio" name="mode" value="structured" checked={mode === 'structured'} onChange={() => setMode('structured')} data-testid="mode-structured" /> Structured fields
        </label>
        <label>
          <input type="radio" name="mode" value="raw" checked={mode === 'raw'} onChange={() => setMode('raw')} data-testid="mode-raw" /> Encoded text
        </label>
      </fieldset>
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
            {TAGS.map((t) => (
              <Field key={t} label={TAG_LABEL[t] + (['OV', 'TM', 'FL', 'TP'].includes(t) ? ' *' : '')} value={fields[t]} onChange={set(t)} error={fieldErr(t)} hint={HINT[t]} testid={`pirep-${t.toLowerCase()}`} />
            ))}
            <p className="hint">
              Encoded: <code data-testid="pirep-preview">{composeRaw(fields)}</code>
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
        <FormError message={formError} testid="pirep-error" />
        {submit.isSuccess && (
          <p role="status" className="ok" data-testid="pirep-ok">
            Submitted{submit.data?.urgent ? ' as URGENT' : ''}: <code>{submit.data?.raw}</code>
          </p>
        )}
        <button type="submit" disabled={submit.isPending} data-testid="pirep-submit">
          {submit.isPending ? 'Submitting…' : 'Submit PIREP'}
        </button>
      </form>
    </section>
  );
}
