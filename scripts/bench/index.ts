// `npm run bench`: measures on this machine, in one run, and writes docs/BENCHMARKS.md.
// Each suite returns rows of (what, value, yardstick, ratio) so results read as ratios.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backupBench } from './backup';
import { haBench } from './ha';
import { migrationBench } from './migration';
import { plannerBench } from './planner';
import { previewBench } from './preview';
import { provisioningBench } from './provisioning';
import { restoreBench } from './restore';
import type { BenchRow } from './types';

const root = path.resolve(import.meta.dirname, '../..');
const suites: [string, () => Promise<BenchRow[]>][] = [
  ['Provisioning and metrics', provisioningBench],
  ['Backups of a running VM', backupBench],
  ['Live migration', migrationBench],
  ['Balancer planner at scale', plannerBench],
  ['Restore: instant recovery against a full copy', restoreBench],
  ['Health under concurrent backup previews', previewBench],
  ['HA: host death to VM running elsewhere', haBench],
];

const sections: string[] = [];
for (const [title, run] of suites) {
  console.log(`bench: ${title}`);
  const rows = await run();
  sections.push(
    [`## ${title}`, '', '| measure | value | yardstick | ratio |', '| --- | --- | --- | --- |', ...rows.map((r) => `| ${r.what} | ${r.value} | ${r.yardstick} | ${r.ratio} |`), ''].join('\n'),
  );
  for (const r of rows) console.log(`  ${r.what}: ${r.value} (${r.yardstick}; ratio ${r.ratio})`);
}

const header = `# Benchmarks

Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}. Every number in one run; ratios compare against a yardstick measured in the same run. QEMU runs under TCG here (\`/dev/kvm\` comes from kvm_pvm).
`;
writeFileSync(path.join(root, 'docs/BENCHMARKS.md'), [header, ...sections].join('\n'));
console.log('bench: wrote docs/BENCHMARKS.md');
process.exit(0);
