// Whether a backup may be incremental, and if not, why (the reason is shown on the task). Pure:
// the caller gathers the facts (parent file, bitmap state from QEMU or qemu-img, sidecar).
import type { BitmapAction } from '../qemu/backup-img';
import type { BackupKind } from '@/lib/agent-protocol/backup';

// What the VM disk's dirty bitmap looks like: missing, usable, or there but not trustworthy.
export type BitmapState = 'missing' | 'ok' | 'inconsistent' | 'disabled';

// <vmDir>/backup-<bitmap>.json: which backup file the bitmap counts changes from. 'pending' is
// written before a backup touches the bitmap and 'done' after its file is complete, so a run
// that never finished (agent killed, VM stopped, failure) leaves 'pending' behind. An in-place
// restore marks it 'replaced' (path = the restore point the disk came from): the new disk has no
// bitmap, and the next backup should say so rather than blame something outside vmops. A revert
// to a snapshot marks it 'reverted' (path = the snapshot's id): the disk went back to older
// content, so whatever the bitmap says since the last backup no longer describes the difference.
export type Sidecar = {
  state: 'pending' | 'done' | 'replaced' | 'reverted';
  path: string;
  sha256: string | null;
  at: string;
};

export type TrustFacts = {
  forceFull: boolean;
  parentPath: string | null;
  parentExists: boolean;
  live: boolean; // running VM: incrementals come from the bitmap; stopped: from a content compare
  bitmapName: string;
  bitmap: BitmapState;
  sidecar: Sidecar | null;
};

export type TrustDecision = { kind: BackupKind; fullReason: string | null; bitmapAction: BitmapAction | null };

// The bitmap action that makes a bitmap start afresh at this backup.
export function freshBitmapAction(bitmap: BitmapState): BitmapAction {
  if (bitmap === 'missing') return 'add';
  if (bitmap === 'ok') return 'clear';
  return 'replace'; // inconsistent or disabled bitmaps cannot be cleared: remove and add anew
}

export function decideBackupKind(f: TrustFacts): TrustDecision {
  const full = (fullReason: string): TrustDecision => ({
    kind: 'full',
    fullReason,
    bitmapAction: freshBitmapAction(f.bitmap),
  });
  if (f.forceFull) return full('a full backup was requested');
  if (!f.parentPath) return full('no previous backup to build on (first backup of this chain)');
  if (!f.parentExists) return full(`chain broken: the previous backup file ${f.parentPath} is missing`);
  // A stopped VM's incremental compares content with the parent chain: exact without the bitmap.
  // The bitmap is still reset afterwards so the next live incremental counts from this backup.
  if (!f.live) return { kind: 'incremental', fullReason: null, bitmapAction: freshBitmapAction(f.bitmap) };
  const bm = `dirty bitmap "${f.bitmapName}"`;
  if (f.sidecar?.state === 'replaced')
    return full(`the disk was restored in place from ${f.sidecar.path} at ${f.sidecar.at}, so ${bm} starts afresh`);
  if (f.sidecar?.state === 'reverted')
    return full(`the disk was reverted to snapshot ${f.sidecar.path} at ${f.sidecar.at}, so ${bm} starts afresh`);
  if (f.bitmap === 'missing')
    return full(
      `no ${bm} on the VM disk (first backup of this VM, or it was restarted or its disk replaced outside vmops)`,
    );
  if (f.bitmap === 'inconsistent')
    return full(`${bm} is inconsistent: QEMU did not stop cleanly (killed or crashed) while it tracked writes`);
  if (f.bitmap === 'disabled') return full(`${bm} is not recording writes`);
  if (!f.sidecar) return full(`no record of which backup ${bm} counts changes from`);
  if (f.sidecar.state === 'pending')
    return full(
      `the previous backup run (${f.sidecar.path}) did not finish (agent or VM stopped mid-backup, or it failed), so ${bm} cannot be trusted`,
    );
  if (f.sidecar.path !== f.parentPath) {
    return full(
      `${bm} counts changes since ${f.sidecar.path}, not since the given parent ${f.parentPath} (a backup was never registered)`,
    );
  }
  return { kind: 'incremental', fullReason: null, bitmapAction: null };
}
