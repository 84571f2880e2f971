import type { ReactNode } from 'react';
import { Card, CardBody, CardHeader } from '@/components/ui/card';

/** A titled card around one chart, with the latest value in the header. */
export function ChartCard({
  title,
  current,
  actions,
  children,
}: {
  title: string;
  current?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <Card>
      <CardHeader title={title} description={current} actions={actions} />
      <CardBody className="px-2 pt-3 pb-2">{children}</CardBody>
    </Card>
  );
}
