import 'server-only';
import type { TaskHandler } from '../context';
import { importImageHandler } from './image-import';
import { createVmHandler } from './vm-create';
import { deleteVmHandler, powerHandler } from './vm-power';

export const HANDLERS: Record<string, TaskHandler> = {
  'vm.create': createVmHandler,
  'vm.start': powerHandler('start'),
  'vm.stop': powerHandler('stop'),
  'vm.force-stop': powerHandler('force-stop'),
  'vm.restart': powerHandler('restart'),
  'vm.delete': deleteVmHandler,
  'image.import': importImageHandler,
};
