'use client';
import { useQuery } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { usePermission } from '@/components/auth/current-user';
import { hostFreeMemoryBytes } from '@/components/hosts/host-math';
import { HostSelect } from '@/components/hosts/host-select';
import { Button, ButtonLink } from '@/components/ui/button';
import { Card, CardBody } from '@/components/ui/card';
import { SelectField, Switch, TextField } from '@/components/ui/form-field';
import { createVmSchema } from '@/lib/domain/vms/schemas';
import { formatBytes } from '@/lib/format';
import { numberInput } from '@/lib/forms/number-input';
import { useSchemaForm } from '@/lib/forms/use-schema-form';
import { hostQueries } from '@/lib/queries/host-queries';
import { imageQueries } from '@/lib/queries/image-queries';
import { useCreateVm } from '@/lib/queries/vm-mutations';

const GiB = 1024 ** 3;
const parseTags = (s: string) =>
  s
    .split(/[\s,]+/)
    .map((t) => t.trim())
    .filter(Boolean);

export function CreateVmForm({ initialHostId }: { initialHostId?: string }) {
  const router = useRouter();
  const permission = usePermission('vm.create');
  const images = useQuery(imageQueries.list());
  const hosts = useQuery(hostQueries.choices());
  const create = useCreateVm();
  const form = useSchemaForm(createVmSchema);
  const [v, setV] = useState({
    name: '',
    imageId: '',
    hostId: initialHostId ?? 'auto',
    vcpus: '1',
    memoryMiB: '512',
    diskSizeGiB: '2',
    pool: 'local',
    haEnabled: false,
    tags: '',
  });
  const set = (key: keyof typeof v) => (value: string | boolean) => {
    setV((prev) => ({ ...prev, [key]: value }));
    form.clearError(key);
  };

  const ready = images.data?.filter((i) => i.status === 'ready') ?? [];
  const image = ready.find((i) => i.id === v.imageId);
  const host = hosts.data?.find((h) => h.id === v.hostId);
  const minDiskGiB = image ? Math.ceil((image.virtualSizeBytes / GiB) * 100) / 100 : 0;
  const memoryShort = host && Number(v.memoryMiB) * 1024 * 1024 > hostFreeMemoryBytes(host);
  const minMemoryMiB = image?.minMemoryMiB ?? null; // the server refuses less (422 on memoryMiB)
  const memoryBelowMin = minMemoryMiB !== null && Number(v.memoryMiB) < minMemoryMiB;

  function chooseImage(imageId: string) {
    set('imageId')(imageId);
    const chosen = ready.find((i) => i.id === imageId);
    const needed = chosen ? Math.ceil(chosen.virtualSizeBytes / GiB) : 0;
    if (needed > Number(v.diskSizeGiB)) set('diskSizeGiB')(String(needed));
    if (chosen?.minMemoryMiB && chosen.minMemoryMiB > Number(v.memoryMiB))
      set('memoryMiB')(String(chosen.minMemoryMiB));
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const input = form.validate({
      ...v,
      vcpus: numberInput(v.vcpus),
      memoryMiB: numberInput(v.memoryMiB),
      diskSizeGiB: numberInput(v.diskSizeGiB),
      tags: parseTags(v.tags),
    });
    if (!input) return;
    create.mutate(input, {
      // The VM page follows the provisioning task through the VM's activeTaskId.
      onSuccess: ({ vmId }) => router.push(`/vms/${encodeURIComponent(vmId)}`),
      onError: (err) => form.applyServerError(err),
    });
  }

  const err = form.errors;
  return (
    <Card className="max-w-3xl">
      <form onSubmit={onSubmit} noValidate aria-label="New virtual machine">
        <CardBody className="grid grid-cols-2 gap-x-5 gap-y-4">
          {err._form && (
            <p role="alert" className="col-span-2 text-sm text-red-700">
              {err._form}
            </p>
          )}
          <TextField
            label="Name"
            name="name"
            value={v.name}
            onChange={(e) => set('name')(e.target.value)}
            error={err.name}
            placeholder="web-01"
            autoComplete="off"
            spellCheck={false}
            autoFocus
            hint="Lowercase letters, digits and dashes"
          />
          <SelectField
            label="Image"
            name="imageId"
            value={v.imageId}
            onChange={(e) => chooseImage(e.target.value)}
            error={err.imageId}
            hint={
              image
                ? `${image.format}, virtual size ${formatBytes(image.virtualSizeBytes)}`
                : ready.length === 0 && !images.isPending
                  ? 'No ready images: import one first'
                  : undefined
            }
          >
            <option value="">{images.isPending ? 'Loading images…' : 'Choose an image'}</option>
            {ready.map((i) => (
              <option key={i.id} value={i.id}>
                {i.name} {i.version}
              </option>
            ))}
          </SelectField>
          <HostSelect
            value={v.hostId}
            onChange={(id) => set('hostId')(id)}
            error={err.hostId}
            className="col-span-2"
            site={image?.site}
            hint={image ? `Hosts of site ${image.site}, where the image lives` : undefined}
          />
          <TextField
            label="vCPUs"
            name="vcpus"
            type="number"
            min={1}
            max={32}
            step={1}
            value={v.vcpus}
            onChange={(e) => set('vcpus')(e.target.value)}
            error={err.vcpus}
          />
          <TextField
            label="Memory (MiB)"
            name="memoryMiB"
            type="number"
            min={minMemoryMiB ?? 64}
            step={64}
            value={v.memoryMiB}
            onChange={(e) => set('memoryMiB')(e.target.value)}
            error={err.memoryMiB}
            hint={
              memoryBelowMin
                ? `The image needs at least ${minMemoryMiB} MiB`
                : host && memoryShort
                  ? `More than the ${formatBytes(hostFreeMemoryBytes(host))} free on ${host.name}`
                  : `= ${formatBytes(Number(v.memoryMiB) * 1024 * 1024)}${minMemoryMiB ? ` (image minimum ${minMemoryMiB} MiB)` : ''}`
            }
          />
          <TextField
            label="Disk (GiB)"
            name="diskSizeGiB"
            type="number"
            min={0.0625}
            step="any"
            value={v.diskSizeGiB}
            onChange={(e) => set('diskSizeGiB')(e.target.value)}
            error={err.diskSizeGiB}
            hint={image ? `At least the image's ${minDiskGiB} GiB` : 'Copy-on-write on top of the image'}
          />
          <TextField
            label="Tags"
            name="tags"
            value={v.tags}
            onChange={(e) => set('tags')(e.target.value)}
            error={err.tags}
            placeholder="web, env:prod"
            autoComplete="off"
            hint="Separate with commas or spaces"
          />
          <SelectField
            label="Storage"
            name="pool"
            value={v.pool}
            error={err.pool}
            onChange={(e) => {
              set('pool')(e.target.value);
              if (e.target.value !== 'shared') set('haEnabled')(false);
            }}
            hint={
              v.pool === 'shared'
                ? 'Any host can run it: it can be restarted elsewhere and moves without copying its disk'
                : 'Fastest; only this host can run it'
            }
          >
            <option value="local">The host's local disk</option>
            <option value="shared">Shared storage</option>
          </SelectField>
          <div className="pt-5">
            <Switch
              label="High availability"
              checked={v.haEnabled}
              onChange={(on) => set('haEnabled')(on)}
              disabled={v.pool !== 'shared'}
              description={
                v.pool === 'shared'
                  ? 'Restart this VM on another host when its host fails.'
                  : 'Needs shared storage: only then can another host run it.'
              }
            />
            {err.haEnabled && <p className="mt-1 text-xs text-red-600">{err.haEnabled}</p>}
          </div>
        </CardBody>
        <div className="flex items-center justify-end gap-2 border-t border-slate-100 bg-slate-50/60 px-4 py-3">
          <ButtonLink href="/vms">Cancel</ButtonLink>
          <Button
            type="submit"
            variant="primary"
            loading={create.isPending}
            disabled={!permission.allowed}
            disabledReason={permission.reason}
          >
            Create VM
          </Button>
        </div>
      </form>
    </Card>
  );
}
