import type { Metadata } from 'next';
import { TasksTable } from '@/components/tasks/tasks-table';
import { PageHeader } from '@/components/ui/page-header';

export const metadata: Metadata = { title: 'Tasks' };

export default function TasksPage() {
  return (
    <>
      <PageHeader title="Tasks" description="Long-running operations and their live progress." />
      <TasksTable />
    </>
  );
}
