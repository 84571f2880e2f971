'use client';
import { useState } from 'react';
import { TaskProgress } from '@/components/tasks/task-progress';
import { FormStepDialog } from '@/components/ui/form-step-dialog';
import { ImportImageForm } from './import-image-form';

const FORM_ID = 'import-image-form';

/** The form, then — once the server accepted it — the import task's live progress. */
export function ImportImageDialog({ onClose }: { onClose: () => void }) {
  const [taskId, setTaskId] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  return (
    <FormStepDialog
      onClose={onClose}
      size="lg"
      title="Import image"
      description={
        taskId
          ? 'The agent is fetching and checking the image; you can close this and follow it under Tasks.'
          : 'Add a qcow2 disk (and optionally a kernel for direct boot) to the shared image repository.'
      }
      formId={FORM_ID}
      submitLabel="Start import"
      pending={pending}
      done={taskId !== null}
      againLabel="Import another"
      onAgain={() => setTaskId(null)}
    >
      {taskId ? (
        <TaskProgress taskId={taskId} />
      ) : (
        <ImportImageForm id={FORM_ID} onAccepted={setTaskId} onPendingChange={setPending} />
      )}
    </FormStepDialog>
  );
}
