// A worker thread that loads but never answers: it stands for a worker script that stalls.
setInterval(() => undefined, 60_000);
