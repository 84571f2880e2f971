'use client';
import { useState, type ReactNode } from 'react';
import { Button } from './button';
import { Dialog } from './dialog';
import { TypeToConfirmField } from './type-to-confirm-field';

export function ConfirmDialog({
  open,
  onCancel,
  onConfirm,
  title,
  description,
  confirmLabel,
  cancelLabel = 'Cancel',
  tone = 'danger',
  typeToConfirm,
  pending,
}: {
  open: boolean;
  onCancel: () => void;
  onConfirm: () => void;
  title: ReactNode;
  description?: ReactNode;
  confirmLabel: string;
  /** The dismiss button's text, when "Cancel" would be ambiguous (cancelling a cancel). */
  cancelLabel?: string;
  tone?: 'danger' | 'primary';
  /** When set, the confirm button stays disabled until this exact text is typed. */
  typeToConfirm?: string;
  pending?: boolean;
}) {
  const [typed, setTyped] = useState('');
  const matches = !typeToConfirm || typed === typeToConfirm;
  const close = () => {
    setTyped('');
    onCancel();
  };

  return (
    <Dialog
      open={open}
      onClose={close}
      title={title}
      description={description}
      footer={
        <>
          <Button onClick={close}>{cancelLabel}</Button>
          <Button
            variant={tone}
            disabled={!matches}
            loading={pending}
            onClick={() => {
              if (matches) {
                setTyped('');
                onConfirm();
              }
            }}
          >
            {confirmLabel}
          </Button>
        </>
      }
    >
      {typeToConfirm && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (matches) {
              setTyped('');
              onConfirm();
            }
          }}
        >
          <TypeToConfirmField word={typeToConfirm} value={typed} onChange={(e) => setTyped(e.target.value)} autoFocus />
        </form>
      )}
    </Dialog>
  );
}
