import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from 'react';

interface Common {
  label: string;
  error?: string;
  hint?: ReactNode;
  testid?: string;
}

/** Field is a labelled input with its error message next to it (aria-describedby). */
export function Field({ label, error, hint, testid, id, ...rest }: Common & InputHTMLAttributes<HTMLInputElement>) {
  const auto = useId();
  const fid = id ?? auto;
  const eid = fid + '-err';
  const hid = fid + '-hint';
  const describedBy = [error ? eid : '', hint ? hid : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={'field' + (error ? ' has-error' : '')}>
      <label htmlFor={fid}>{label}</label>
      <input id={fid} aria-invalid={error ? true : undefined} aria-describedby={describedBy} data-testid={testid} {...rest} />
      {hint && (
        <small id={hid} className="hint">
          {hint}
        </small>
      )}
      {error && (
        <span id={eid} className="error" role="alert" data-testid={testid ? testid + '-error' : undefined}>
          {error}
        </span>
      )}
    </div>
  );
}

export function SelectField({
  label,
  error,
  testid,
  id,
  children,
  ...rest
}: Common & SelectHTMLAttributes<HTMLSelectElement> & { children: ReactNode }) {
  const auto = useId();
  const fid = id ?? auto;
  const eid = fid + '-err';
  return (
    <div className={'field' + (error ? ' has-error' : '')}>
      <label htmlFor={fid}>{label}</label>
      <select id={fid} aria-invalid={error ? true : undefined} aria-describedby={error ? eid : undefined} data-testid={testid} {...rest}>
        {children}
      </select>
      {error && (
        <span id={eid} className="error" role="alert" data-testid={testid ? testid + '-error' : undefined}>
          {error}
        </span>
      )}
    </div>
  );
}

/** FormError shows an error that names no field (or a field the form does not have). */
export function FormError({ message, testid }: { message?: string; testid?: string }) {
  if (!message) return null;
  return (
    <p className="form-error" role="alert" data-testid={testid}>
      {message}
    </p>
  );
}
