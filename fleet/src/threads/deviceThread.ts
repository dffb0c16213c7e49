// A worker thread running up to seven simulated devices: RxDB's free version
// opens 13 collections per JavaScript realm, a 14th after a 1.8 s wait, and each client opens two.
import { parentPort } from 'node:worker_threads';
import { now, SimulatedDevice } from '../device/simulatedDevice.js';
import type { DeviceRunOptions, FromThread, ToThread } from './threadProtocol.js';
import { warmDeviceRoundTrip } from './warmDeviceRoundTrip.js';
import { warmRecordingCode } from './warmRecordingCode.js';

if (!parentPort) throw new Error('deviceThread.js runs as a worker thread');
const port = parentPort;
const post = (message: FromThread): void => port.postMessage(message);
const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err));

// A rejection nobody handles is a bug worth reporting (RxDB ends a Node process on one), not a reason to lose the thread's devices.
process.on('unhandledRejection', (err) => post({ kind: 'failed', error: `unhandled rejection in a device thread: ${describe(err)}` }));

let settleTimeoutMs = 0;
let registered: Promise<SimulatedDevice[]> = Promise.resolve([]);
const slotWaiters: Array<() => void> = [];

port.on('message', (message: ToThread) => {
  if (message.kind === 'start') {
    settleTimeoutMs = message.options.settleTimeoutMs;
    // Before registering: registration is not timed, and the first recording may come right after it.
    if (message.options.warmUp) warmRecordingCode(message.options.sessionDurationS);
    registered = warmRoundTrip(message.options, message.devices).then(() => register(message.options, message.devices));
  } else if (message.kind === 'register-slot') {
    slotWaiters.shift()?.();
  } else {
    void go(message.startAt);
  }
});

/** Waits for the main thread's leave to register one device. */
function registrationSlot(): Promise<void> {
  post({ kind: 'want-register-slot' });
  return new Promise((resolve) => slotWaiters.push(resolve));
}

/**
 * Creates and registers the thread's devices one after another, each with a
 * slot from the main thread: each registration costs the gateway a password
 * hash, and hundreds at once queue past the SDK's 30-second sign-in timeout,
 * whose retries only add more. A device that cannot register reports at once
 * and takes no further part.
 */
async function register(options: DeviceRunOptions, indices: number[]): Promise<SimulatedDevice[]> {
  const deadline = now() + options.registerTimeoutMs;
  const devices: SimulatedDevice[] = [];
  for (const index of indices) {
    const device = new SimulatedDevice(index, options, post);
    await registrationSlot();
    try {
      await device.register(deadline);
      post({ kind: 'registered', device: index });
      devices.push(device);
    } catch (err) {
      post({ kind: 'report', report: await device.finish(`registration failed: ${describe(err)}`) });
    } finally {
      post({ kind: 'register-slot-free' });
    }
  }
  return devices;
}

/** With `warmRoundTrip`, one throwaway device's whole session first; a failure is the run's problem, not the devices'. */
async function warmRoundTrip(options: DeviceRunOptions, indices: number[]): Promise<void> {
  if (!options.warmRoundTrip) return;
  const slot = async (): Promise<() => void> => {
    await registrationSlot();
    return () => post({ kind: 'register-slot-free' });
  };
  try {
    const { roundTripMs } = await warmDeviceRoundTrip(options, String(indices[0] ?? 0), slot);
    post({ kind: 'warmed', roundTripMs });
  } catch (err) {
    post({ kind: 'failed', error: `the warm-up device's round trip failed: ${describe(err)}` });
  }
}

async function go(startAt: number): Promise<void> {
  const devices = await registered;
  await Promise.all(devices.map((device) => runDevice(device, startAt)));
}

/** Records, settles, checks and closes one device; whatever happens, it reports. */
async function runDevice(device: SimulatedDevice, startAt: number): Promise<void> {
  let error: string | null = null;
  try {
    await device.record(startAt);
    await device.settle(now() + settleTimeoutMs);
  } catch (err) {
    error = describe(err);
  }
  post({ kind: 'report', report: await device.finish(error) });
}
