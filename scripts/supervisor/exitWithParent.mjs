// @ts-check
// Preloaded into every child of `npm start` (`node --import`): the child stops
// when the supervisor is gone, even when the supervisor was killed with SIGKILL
// and could not stop it. The supervisor keeps an IPC pipe to each child; the
// pipe closes when the supervisor dies, whatever the cause.
import { isMainThread } from 'node:worker_threads';

/** How long a child may take to stop by itself once its parent is gone. */
const ORPHAN_GRACE_MS = 30_000;

if (isMainThread && process.channel) {
  process.once('disconnect', () => {
    setTimeout(() => process.exit(1), ORPHAN_GRACE_MS).unref();
    // The child's own SIGTERM handler stops it cleanly (the worker saves its checkpoints first).
    process.kill(process.pid, 'SIGTERM');
  });
  // The pipe alone must not keep a child alive that has finished.
  process.channel.unref();
}
