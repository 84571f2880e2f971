import type { Metadata } from 'next';
import { ImportImageButton } from '@/components/images/import-image-button';
import { ImagesTable } from '@/components/images/images-table';
import { PageHeader } from '@/components/ui/page-header';

export const metadata: Metadata = { title: 'Images' };

export default function ImagesPage() {
  return (
    <>
      <PageHeader
        title="Images"
        description="Base disks VMs are created from, in the shared repository."
        actions={<ImportImageButton />}
      />
      <ImagesTable />
    </>
  );
}
