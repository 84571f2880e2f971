import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // The agent, worker and scripts are separate Node processes; keep them out of page tracing.
  outputFileTracingExcludes: { '*': ['./data/**', './.cache/**'] },
};

export default nextConfig;
