import 'server-only';
import type { TaskKind } from '@/lib/domain/tasks/kinds';
import type { TaskHandler } from '../context';
import { linkProbeHandler } from './host-link-probe';
import { bringBackHandler, evacuateHostHandler } from './host-maintenance';
import { backupRunHandler } from './backup-run';
import { backupVerifyHandler } from './backup-verify';
import { groupDeleteHandler } from './checkpoint-group-delete';
import { groupRestoreHandler } from './checkpoint-group-restore';
import { groupTakeHandler } from './checkpoint-group-take';
import { importImageHandler } from './image-import';
import { drFailbackHandler } from './dr-failback';
import { drFailoverHandler } from './dr-failover';
import { drPlanRunHandler } from './dr-plan-run';
import { drTestFailoverHandler } from './dr-test-failover';
import { replicationRunHandler } from './replication-run';
import { deletePointHandler } from './restore-point-delete';
import { restoreVmHandler } from './restore-vm';
import { snapshotDeleteHandler } from './snapshot-delete';
import { snapshotRevertHandler } from './snapshot-revert';
import { scheduleRunHandler } from './snapshot-schedule-run';
import { snapshotTakeHandler } from './snapshot-take';
import { cloneVmHandler } from './vm-clone';
import { createVmHandler } from './vm-create';
import { detachCloneHandler } from './vm-detach-clone';
import { haRestartHandler } from './vm-ha-restart';
import { migrateVmHandler } from './vm-migrate';
import { deleteVmHandler, powerHandler } from './vm-power';

// Every kind has its handler (a missing one is a type error), typed by the kind's payload.
export const HANDLERS: { [K in TaskKind]: TaskHandler<K> } = {
  'vm.create': createVmHandler,
  'vm.start': powerHandler('start'),
  'vm.stop': powerHandler('stop'),
  'vm.force-stop': powerHandler('force-stop'),
  'vm.restart': powerHandler('restart'),
  'vm.delete': deleteVmHandler,
  'image.import': importImageHandler,
  'vm.restore': restoreVmHandler,
  'backup.run': backupRunHandler,
  'backup.verify': backupVerifyHandler,
  'restore-point.delete': deletePointHandler,
  'vm.migrate': migrateVmHandler,
  'host.evacuate': evacuateHostHandler,
  'host.bring-back': bringBackHandler,
  'vm.ha-restart': haRestartHandler,
  'host.link-probe': linkProbeHandler,
  'snapshot.take': snapshotTakeHandler,
  'snapshot.revert': snapshotRevertHandler,
  'snapshot.delete': snapshotDeleteHandler,
  'vm.clone': cloneVmHandler,
  'vm.detach-clone': detachCloneHandler,
  'checkpoint-group.take': groupTakeHandler,
  'checkpoint-group.restore': groupRestoreHandler,
  'checkpoint-group.delete': groupDeleteHandler,
  'snapshot.schedule-run': scheduleRunHandler,
  'replication.run': replicationRunHandler,
  'dr.failover': drFailoverHandler,
  'dr.test-failover': drTestFailoverHandler,
  'dr.failback': drFailbackHandler,
  'dr.plan-run': drPlanRunHandler,
};
