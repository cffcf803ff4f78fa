import { useEffect, useRef, type RefObject } from 'react';

/**
 * useModal returns the ref of a <dialog> that opens as a modal once mounted:
 * with showModal, or the open attribute where the DOM lacks it (jsdom).
 */
export function useModal(): RefObject<HTMLDialogElement | null> {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) {
      if (typeof d.showModal === 'function') d.showModal();
      else d.setAttribute('open', '');
    }
  }, []);
  return ref;
}
