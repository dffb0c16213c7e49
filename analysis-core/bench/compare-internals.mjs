// @ts-check
// Two builds of analysis-core must compute the same values before any
// rounding: the FFT, the magnitude spectrum, SPARC, LDLJ, the low-pass,
// tremor share and data quality on varied inputs, compared bit for bit; and
// the sensor decoder on payloads with random bit flips (checksum fixed),
// compared by decoded bytes or by error code and message. Exits 1 on a
// difference. compare-outputs.mjs compares whole analyses; this one also
// catches a change too small to show after rounding. Usage:
//   node bench/compare-internals.mjs <dist folder A> <dist folder B>
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [dirA, dirB] = process.argv.slice(2);
if (!dirA || !dirB) throw new Error('usage: node bench/compare-internals.mjs <dist A> <dist B>');
/** @param {string} dir @param {string} file */
const url = (dir, file) => pathToFileURL(path.resolve(dir, file)).href;
/** @param {string} dir */
const load = async (dir) => ({
  index: /** @type {typeof import('../dist/index.js')} */ (await import(url(dir, 'index.js'))),
  fft: /** @type {typeof import('../dist/signal/fft.js')} */ (await import(url(dir, 'signal/fft.js'))),
  lowPass: /** @type {typeof import('../dist/signal/lowPass.js')} */ (await import(url(dir, 'signal/lowPass.js'))),
  tremor: /** @type {typeof import('../dist/metrics/tremor.js')} */ (await import(url(dir, 'metrics/tremor.js'))),
  clean: /** @type {typeof import('../dist/signal/cleanSeries.js')} */ (await import(url(dir, 'signal/cleanSeries.js'))),
  movements: /** @type {typeof import('../dist/metrics/movements.js')} */ (await import(url(dir, 'metrics/movements.js'))),
  percentile: /** @type {typeof import('../dist/signal/percentile.js')} */ (await import(url(dir, 'signal/percentile.js'))),
  crc: /** @type {typeof import('../dist/codec/crc32.js')} */ (await import(url(dir, 'codec/crc32.js'))),
  base64: /** @type {typeof import('../dist/codec/base64.js')} */ (await import(url(dir, 'codec/base64.js'))),
});
const [a, b] = await Promise.all([load(dirA), load(dirB)]);

let state = 12345;
/** A fixed pseudo-random sequence in [0, 1), so every run compares the same inputs. */
const random = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
let checks = 0;
/** @param {string} what */
const fail = (what) => {
  console.error(`differs: ${what}`);
  process.exit(1);
};
/** @param {Float64Array} x @param {Float64Array} y @param {string} what */
const sameArrays = (x, y, what) => {
  checks++;
  if (!Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength))) fail(what);
};
/** @param {unknown} x @param {unknown} y @param {string} what */
const same = (x, y, what) => {
  checks++;
  if (!Object.is(x, y)) fail(`${what}: ${String(x)} / ${String(y)}`);
};

for (let log = 0; log <= 14; log++) {
  const n = 2 ** log;
  const re = Float64Array.from({ length: n }, random);
  const im = Float64Array.from({ length: n }, random);
  const [ra, ia, rb, ib] = [re.slice(), im.slice(), re.slice(), im.slice()];
  a.fft.fftInPlace(ra, ia);
  b.fft.fftInPlace(rb, ib);
  sameArrays(ra, rb, `fft ${n} (re)`);
  sameArrays(ia, ib, `fft ${n} (im)`);
}
for (const len of [1, 2, 3, 5, 17, 100, 150, 333, 1000, 3000, 30_000]) {
  for (let pad = 0; pad <= 5; pad++) {
    let p2 = 1;
    while (p2 < len) p2 *= 2;
    const nfft = p2 * 2 ** pad;
    const x = Float64Array.from({ length: len }, () => random() * 10);
    sameArrays(a.fft.realMagnitudeSpectrum(x, nfft), b.fft.realMagnitudeSpectrum(x, nfft), `spectrum ${len} ${nfft}`);
    same(a.index.sparc(x, 100, { padLevel: pad }), b.index.sparc(x, 100, { padLevel: pad }), `sparc ${len} ${pad}`);
    same(a.index.ldlj(x, 100, 'speed'), b.index.ldlj(x, 100, 'speed'), `ldlj ${len}`);
  }
}
// Short signals padded far (blocks of thousands of points: twiddle tables above the kept sizes).
for (const len of [3, 5, 9, 17, 40]) {
  for (const nfft of [2 ** 14, 2 ** 17, 2 ** 20]) {
    const x = Float64Array.from({ length: len }, () => random() * 10 - 2);
    sameArrays(a.fft.realMagnitudeSpectrum(x, nfft), b.fft.realMagnitudeSpectrum(x, nfft), `spectrum ${len} ${nfft}`);
  }
}
// Percentiles: NaN ignored, ties, infinities, short and long inputs (a copy longer than the kept scratch).
for (let t = 0; t < 400; t++) {
  const len = t % 40 === 0 ? 70_000 : Math.floor(random() * 400);
  const x = Float64Array.from({ length: len }, () => (random() < 0.1 ? NaN : random() < 0.2 ? Math.round(random() * 5) : random() < 0.01 ? -Infinity : (random() - 0.5) * 100));
  for (const p of [0, 0.05, 0.5, 0.95, 1, 1 / 3, NaN]) same(a.percentile.percentile(x, p), b.percentile.percentile(x, p), `percentile ${len} ${p}`);
}
// Movement bounds: speeds with ties (small integers), all zero, smooth and noisy, spans anywhere.
for (let t = 0; t < 2000; t++) {
  const len = 3 + Math.floor(random() * 300);
  const kind = t % 4;
  const velocity = Float64Array.from({ length: len }, (_, i) =>
    kind === 0 ? Math.round(random() * 4) - 2 : kind === 1 ? 0 : kind === 2 ? Math.sin(i / 10) * 50 : (random() - 0.5) * 100);
  const angle = Float64Array.from({ length: len }, (_, i) => Math.sin(i / 20) * 30 + random());
  const start = Math.floor(random() * len);
  const end = start + Math.floor(random() * (len - start));
  const rep = { start, peak: start + Math.floor(random() * (end - start + 1)), end };
  same(JSON.stringify(a.movements.splitRepetition(angle, velocity, rep)), JSON.stringify(b.movements.splitRepetition(angle, velocity, rep)), `splitRepetition ${t}`);
}
// SPARC's options and signs: cut-offs below and above Nyquist, thresholds, rates, signed and speed-like inputs.
for (const len of [1, 2, 3, 40, 150, 700]) {
  const bump = Float64Array.from({ length: len }, (_, i) => Math.sin((Math.PI * (i + 0.5)) / len) ** 2 * 50 + random() * 2);
  const signed = Float64Array.from({ length: len }, () => random() * 10 - 5);
  for (const x of [bump, signed]) {
    for (const fs of [7, 20, 100, 333]) {
      for (const [cutoffHz, amplitudeThreshold] of /** @type {[number, number][]} */ ([[10, 0.05], [3, 0.2], [0.5, 0.05], [40, 0.01], [1e9, 0.5], [10, 1]])) {
        const options = { cutoffHz, amplitudeThreshold };
        same(a.index.sparc(x, fs, options), b.index.sparc(x, fs, options), `sparc ${len} ${fs} ${cutoffHz} ${amplitudeThreshold}`);
      }
    }
  }
}
for (const len of [0, 1, 2, 3, 10, 50, 255, 256, 1000, 30_000]) {
  for (const fs of [50, 100, 200]) {
    const x = Float64Array.from({ length: len }, (_, i) => Math.sin(i / 7) * 40 + random() * 3 + (random() < 0.02 ? NaN : 0));
    const clean = a.clean.cleanSeries(x).values;
    sameArrays(a.lowPass.lowPass(clean, fs, 10), b.lowPass.lowPass(clean, fs, 10), `lowPass ${len} ${fs}`);
    const axes = [0, 1, 2].map(() => Float64Array.from({ length: len }, (_, i) => Math.sin(i / 3) * 20 + random() * 5 + (random() < 0.01 ? NaN : 0)));
    same(a.tremor.tremorShare(axes, fs), b.tremor.tremorShare(axes, fs), `tremorShare ${len} ${fs}`);
    const channels = [x, ...axes].map((values, i) => ({ values, scale: 0.1, ...(i % 2 === 1 ? { range: /** @type {[number, number]} */ ([-30, 30]) } : {}) }));
    same(JSON.stringify(a.index.dataQuality(channels, fs)), JSON.stringify(b.index.dataQuality(channels, fs)), `dataQuality ${len} ${fs}`);
  }
}

// The decoder on damaged payloads: the same samples, or the same error.
let refused = 0;
for (let seed = 1; seed <= 12; seed++) {
  const session = b.index.synthesizeSession({ seed, durationS: 20 + seed * 3, noiseDeg: [0, 1, 3][seed % 3], dropoutRate: [0, 10][seed % 2] });
  const bytes = b.base64.decodeBase64(session.sensors.data);
  for (let trial = 0; trial < 300; trial++) {
    const x = bytes.slice();
    for (let f = 1 + Math.floor(random() * 4); f > 0; f--) {
      const i = 5 + Math.floor(random() * (x.length - 9));
      x[i] = (x[i] ?? 0) ^ (1 << Math.floor(random() * 8));
    }
    const crc = b.crc.crc32(x, 0, x.length - 4);
    for (let k = 0; k < 4; k++) x[x.length - 4 + k] = (crc >>> (8 * k)) & 255;
    const block = { ...session.sensors, data: b.base64.encodeBase64(x) };
    /** @param {typeof a.index} m */
    const decode = (m) => {
      try {
        return 'decoded ' + m.decodeSensors(block).channels.map((c) => Buffer.from(c.values.buffer, c.values.byteOffset, c.values.byteLength).toString('base64')).join(',');
      } catch (err) {
        return err instanceof m.SensorCodecError ? `${err.code}: ${err.message}` : `unexpected ${String(err)}`;
      }
    };
    const da = decode(a.index);
    same(da, decode(b.index), `decoding damaged payload ${seed}/${trial}`);
    if (!da.startsWith('decoded ')) refused++;
  }
}
console.log(`${checks} comparisons (${refused} damaged payloads refused): identical between ${dirA} and ${dirB}`);
