// The agent bad-input suite (hostile-suite.ts) against the QEMU driver, so hostile values that
// pass validation reach the real backup, restore, migration and image code (no VM is started:
// the VM the valid bodies name does not exist, and the incoming migration asks for 1 TiB).
import { createQemuDriver } from './qemu/index';
import { hostileAgentSuite } from './hostile-suite';

hostileAgentSuite((pools, log) => createQemuDriver({ pools, log }));
