export type ImageDto = {
  id: string;
  name: string;
  version: string;
  description: string;
  status: 'importing' | 'ready' | 'failed';
  format: string;
  sizeBytes: number;
  virtualSizeBytes: number;
  sha256: string;
  bootsKernel: boolean; // ships its own kernel (direct boot) rather than a bootable disk
  vmCount: number;
  createdAt: string;
};
