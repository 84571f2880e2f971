'use client';
import { SelectField } from '@/components/ui/form-field';
import type { ReplicaPointDto } from '@/lib/domain/dr/dto';
import { pointOptionText } from './dr-bits';

/** Chooses a replica point; '' stands for "the newest at the time the task runs". */
export function PointSelect({
  label,
  points,
  value,
  onChange,
  error,
}: {
  label: string;
  points: ReplicaPointDto[]; // newest first
  value: string;
  onChange: (pointId: string) => void;
  error?: string;
}) {
  return (
    <SelectField
      label={label}
      name="pointId"
      value={value}
      onChange={(e) => onChange(e.target.value)}
      error={error}
      disabled={points.length === 0}
    >
      <option value="">Newest point</option>
      {points.map((p, i) => (
        <option key={p.id} value={p.id}>
          {pointOptionText(p, i === 0)}
        </option>
      ))}
    </SelectField>
  );
}
