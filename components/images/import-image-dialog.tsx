'use client';
import { useState } from 'react';
import { TaskProgress } from '@/components/tasks/task-progress';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { ImportImageForm } from './import-image-form';

const FORM_ID = 'import-image-form';

/** The form, then — once the server accepted it — the import task's live progress. */
export function ImportImageDialog({ onClose }: { onClose: () => void }) {
  const [taskId, setTaskId] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  return (
    <Dialog open onClose={onClose} size="lg" title="Import image"
      description={taskId ? 'The agent is fetching and checking the image; you can close this and follow it under Tasks.' : 'Add a qcow2 disk (and optionally a kernel for direct boot) to the shared image repository.'}
      footer={taskId ? (
        <>
          <Button onClick={() => setTaskId(null)}>Import another</Button>
          <Button variant="primary" onClick={onClose}>Done</Button>
        </>
      ) : (
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form={FORM_ID} variant="primary" loading={pending}>Start import</Button>
        </>
      )}>
      {taskId ? (
        <TaskProgress taskId={taskId} />
      ) : (
        <ImportImageForm id={FORM_ID} onAccepted={setTaskId} onPendingChange={setPending} />
      )}
    </Dialog>
  );
}
