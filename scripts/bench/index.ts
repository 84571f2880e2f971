// `npm run bench`: measures on this machine, in one run, and writes docs/BENCHMARKS.md.
// Each suite returns rows of (what, value, yardstick, ratio) so results read as ratios.
// `npm run bench -- <words>` runs only the suites whose title contains one of the words and
// replaces just their sections (the others keep their last run's numbers, date included).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backupBench } from './backup';
import { checkpointsBench } from './checkpoints';
import { drBench } from './dr';
import { fleetBench } from './fleet';
import { haBench } from './ha';
import { migrationBench } from './migration';
import { migrationEstimateBench } from './migration-estimate';
import { plannerBench } from './planner';
import { previewBench } from './preview';
import { provisioningBench } from './provisioning';
import { restoreBench } from './restore';
import { taskThroughputBench } from './task-throughput';
import type { BenchRow } from './types';
import { uiFeedbackBench } from './ui-feedback';

const root = path.resolve(import.meta.dirname, '../..');
const suites: [string, () => Promise<BenchRow[]>][] = [
  ['Provisioning and metrics', provisioningBench],
  ['Backups of a running VM', backupBench],
  ['Live migration', migrationBench],
  ['Migration estimate against the measured duration', migrationEstimateBench],
  ['Balancer planner at scale', plannerBench],
  ['Restore: instant recovery against a full copy', restoreBench],
  ['Health under concurrent backup previews', previewBench],
  ['HA: host death to VM running elsewhere', haBench],
  ['Snapshots, checkpoints and group checkpoints', checkpointsBench],
  ['Operator feedback in the browser', uiFeedbackBench],
  ['Disaster recovery (DR): RPO, bytes per run, failover RTO', drBench],
  ['Control plane at fleet size (simulated hosts)', fleetBench],
  ['Task throughput with 1, 2 and 4 workers', taskThroughputBench],
];

const file = path.join(root, 'docs/BENCHMARKS.md');
const words = process.argv.slice(2).map((w) => w.toLowerCase());
const chosen = words.length ? suites.filter(([title]) => words.some((w) => title.toLowerCase().includes(w))) : suites;
if (!chosen.length)
  throw new Error(`no bench suite matches ${words.join(', ')}; suites: ${suites.map(([t]) => t).join('; ')}`);

const measured = new Map<string, string>();
for (const [title, run] of chosen) {
  console.log(`bench: ${title}`);
  const rows = await run();
  measured.set(
    title,
    [
      `## ${title}`,
      '',
      '| measure | value | yardstick | ratio |',
      '| --- | --- | --- | --- |',
      ...rows.map((r) => `| ${r.what} | ${r.value} | ${r.yardstick} | ${r.ratio} |`),
      '',
    ].join('\n'),
  );
  for (const r of rows) console.log(`  ${r.what}: ${r.value} (${r.yardstick}; ratio ${r.ratio})`);
}

// A partial run keeps the other sections as the file has them NOW (read just before writing, so a
// partial run of another suite that finished meanwhile is not overwritten).
const previous = new Map<string, string>();
if (words.length && existsSync(file)) {
  for (const part of readFileSync(file, 'utf8')
    .split(/^(?=## )/m)
    .slice(1))
    previous.set(part.slice(3, part.indexOf('\n')), part.trimEnd() + '\n');
}
const sections = suites.flatMap(([title]) => measured.get(title) ?? previous.get(title) ?? []);

const header = `# Benchmarks

Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}. Every number in one run; ratios compare against a yardstick measured in the same run. QEMU runs under TCG here (\`/dev/kvm\` comes from kvm_pvm).${words.length ? `\n\nPartial run (${chosen.map(([t]) => t).join('; ')}): the other sections keep the numbers of their last run.` : ''}
`;
writeFileSync(file, [header, ...sections].join('\n'));
console.log('bench: wrote docs/BENCHMARKS.md');
process.exit(0);
