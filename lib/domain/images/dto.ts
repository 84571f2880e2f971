// What each online host's agent accepts as an import source (GET /api/images/import-locations).
export type HostImportLocationsDto = {
  hostId: string;
  hostName: string;
  dirs: string[];
  urlPrefixes: string[];
  error: string | null; // the agent could not be asked (dirs and prefixes are then empty)
};

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
  minMemoryMiB: number | null; // VMs of this image get at least this much memory
  site: string; // the site whose repository holds it: VMs of it are placed on that site's hosts
  vmCount: number;
  createdAt: string;
};
