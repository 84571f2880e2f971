'use client';
import type { ComponentProps } from 'react';
import { Button } from './button';
import { Dialog } from './dialog';

type DialogProps = ComponentProps<typeof Dialog>;

/**
 * A dialog that shows a form (submitted by the footer's primary button through `formId`) and,
 * once the server accepted it (`done`), its result with "… another" and "Done" — so every
 * create-style dialog has the same buttons in the same places.
 */
export function FormStepDialog({
  formId,
  submitLabel,
  pending,
  done,
  againLabel,
  onAgain,
  onClose,
  ...dialog
}: {
  formId: string;
  submitLabel: string;
  pending: boolean;
  done: boolean;
  againLabel: string;
  onAgain: () => void;
  onClose: () => void;
} & Pick<DialogProps, 'title' | 'description' | 'size' | 'children'>) {
  return (
    <Dialog
      open
      onClose={onClose}
      {...dialog}
      footer={
        done ? (
          <>
            <Button onClick={onAgain}>{againLabel}</Button>
            <Button variant="primary" onClick={onClose}>
              Done
            </Button>
          </>
        ) : (
          <>
            <Button onClick={onClose}>Cancel</Button>
            <Button type="submit" form={formId} variant="primary" loading={pending}>
              {submitLabel}
            </Button>
          </>
        )
      }
    />
  );
}
