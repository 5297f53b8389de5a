/**
 * The script of each Bun Worker of `mode: 'worker'`: replay mode on (managers made here are
 * inert), the `parproc` virtual module registered, then jobs from the parent run one at a time.
 */
import { registerSelfModule } from '../self-module.ts';
import { batchedSend } from './batched-send.ts';
import type { ToRemote } from './protocol.ts';
import { messageLog, RemoteExecutor } from './remote-exec.ts';
import { enterReplay } from './replay.ts';

declare const self: Worker;

enterReplay();
const ready = registerSelfModule(() => import('./replay-api.ts'));
const executor = new RemoteExecutor(batchedSend((m) => self.postMessage(m)), messageLog, 'worker');
self.onmessage = (e: MessageEvent<ToRemote>) => {
  void ready.then(() => executor.handle(e.data));
};
