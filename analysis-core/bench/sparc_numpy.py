"""SPARC with numpy's rfft, timed on request: the side of bench/sparc-vs-numpy.mjs.

Reads lines from stdin: "load <path>" (a little-endian float64 file, the
signal), then "time <repeats> <fs>" answers "<median ms> <sparc>" for that
many calls. Written for the benchmark from the definition (Balasubramanian
et al. 2015), with the reference's defaults: padding level 4, 10 Hz, 0.05.
"""
import sys
import time

import numpy as np


def sparc_rfft(speed, fs, pad_level=4, cutoff_hz=10.0, threshold=0.05):
    nfft = int(2 ** (np.ceil(np.log2(len(speed))) + pad_level))
    freqs = np.arange(nfft // 2 + 1) * (fs / nfft)
    mag = np.abs(np.fft.rfft(speed, nfft))
    mag = mag / mag.max()
    in_band = freqs <= cutoff_hz
    f, m = freqs[in_band], mag[in_band]
    above = np.nonzero(m >= threshold)[0]
    f, m = f[above[0]:above[-1] + 1], m[above[0]:above[-1] + 1]
    return -np.sum(np.sqrt((np.diff(f) / (f[-1] - f[0])) ** 2 + np.diff(m) ** 2))


signal = None
for line in sys.stdin:
    words = line.split()
    if words[0] == 'load':
        signal = np.fromfile(words[1], dtype='<f8')
        print('ok', flush=True)
    elif words[0] == 'time':
        repeats, fs = int(words[1]), float(words[2])
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            value = sparc_rfft(signal, fs)
            times.append((time.perf_counter() - start) * 1000)
        print(f'{sorted(times)[repeats // 2]!r} {float(value)!r}', flush=True)
