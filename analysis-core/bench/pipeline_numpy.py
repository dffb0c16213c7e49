"""The analysis steps in numpy/scipy, timed on request: the side of bench/pipeline-vs-numpy.mjs.

Reads lines from stdin: "load <dir>" (files written by the JavaScript side:
each channel as little-endian float64, movements and prompt windows as int32
pairs), then "time <repeats>" answers "<median ms> <checksum>". Steps: clean
(interior gaps interpolated, ends trimmed), zero-phase 2nd-order Butterworth
at 10 Hz (filtfilt), derivative (np.gradient), range of motion over the
prompt windows, SPARC (rfft) and LDLJ per movement, Welch tremor share. The
movement bounds and windows come from the JavaScript side, so detection and
segmentation are not timed here (they are on the JavaScript side).
"""
import json
import sys
import time

import numpy as np
from scipy import signal as sps

FS = 100.0
B, A = sps.butter(2, 10.0 / (FS / 2))


def clean(x):
    finite = np.isfinite(x)
    idx = np.nonzero(finite)[0]
    x = x[idx[0]:idx[-1] + 1]
    bad = ~np.isfinite(x)
    if bad.any():
        x = x.copy()
        x[bad] = np.interp(np.nonzero(bad)[0], np.nonzero(~bad)[0], x[~bad])
    return x


def sparc(speed, fs, pad_level=4, cutoff_hz=10.0, threshold=0.05):
    nfft = int(2 ** (np.ceil(np.log2(len(speed))) + pad_level))
    freqs = np.arange(nfft // 2 + 1) * (fs / nfft)
    mag = np.abs(np.fft.rfft(speed, nfft))
    mag = mag / mag.max()
    in_band = freqs <= cutoff_hz
    f, m = freqs[in_band], mag[in_band]
    above = np.nonzero(m >= threshold)[0]
    f, m = f[above[0]:above[-1] + 1], m[above[0]:above[-1] + 1]
    return -np.sum(np.sqrt((np.diff(f) / (f[-1] - f[0])) ** 2 + np.diff(m) ** 2))


def ldlj(speed, fs):
    dt = 1.0 / fs
    jerk = np.diff(speed, 2) / dt ** 2
    return -np.log((len(speed) * dt) ** 3) + np.log(np.max(np.abs(speed)) ** 2) - np.log(np.sum(jerk ** 2) * dt)


def tremor_share(axes, fs):
    band = total = 0.0
    for axis in axes:
        f, p = sps.welch(axis, fs, window='hann', nperseg=256, noverlap=128, detrend=False)
        total += p[1:].sum()
        band += p[(f >= 4) & (f <= 12)].sum()
    return band / total


def analyse(flex, gyro, movements, windows):
    out = 0.0
    for x, spans, wins in zip(flex, movements, windows):
        x = clean(x)
        filtered = sps.filtfilt(B, A, x, padlen=30)
        speed = np.abs(np.gradient(filtered, 1.0 / FS))
        rises = [np.max(filtered[a:b + 1] - np.minimum.accumulate(filtered[a:b + 1])) for a, b in wins]
        out += np.median(rises) if rises else 0.0
        for a, b in spans:
            profile = speed[a:b + 1]
            out += sparc(profile, FS) + ldlj(profile, FS)
    out += tremor_share([clean(g) - clean(g).mean() for g in gyro], FS)
    return out


data = None
for line in sys.stdin:
    words = line.split()
    if words[0] == 'load':
        folder = words[1]
        meta = json.load(open(f'{folder}/meta.json'))
        flex = [np.fromfile(f'{folder}/{name}.f64', dtype='<f8') for name in meta['flex']]
        gyro = [np.fromfile(f'{folder}/{name}.f64', dtype='<f8') for name in meta['gyro']]
        data = (flex, gyro, meta['movements'], meta['windows'])
        print('ok', flush=True)
    elif words[0] == 'time':
        repeats = int(words[1])
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            checksum = analyse(*data)
            times.append((time.perf_counter() - start) * 1000)
        print(f'{sorted(times)[repeats // 2]!r} {float(checksum)!r}', flush=True)
