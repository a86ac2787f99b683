#!/usr/bin/env python3
"""Measures a running cltool-host from outside (standard library only, so it runs on any machine with python3):
batch-1 latency and batch-N throughput of one model through Triton's binary tensor requests, and served requests/s
with p50/p99 at several concurrencies of one-image requests. Prints one JSON object; errors are counted, never hidden.

Usage: measure.py --url http://127.0.0.1:8000 --model NAME [--batches 32,128] [--concurrency 1,8,64] [--seconds 20]
"""
import argparse, http.client, json, random, statistics, struct, sys, threading, time, urllib.parse


def request_body(shape, seed):
    count = 1
    for n in shape:
        count *= n
    rng = random.Random(seed)
    values = [rng.uniform(-1, 1) for _ in range(min(count, 4096))]
    raw = struct.pack(f"<{len(values)}f", *values) * (count // len(values)) + struct.pack(f"<{count % len(values)}f", *values[: count % len(values)])
    header = json.dumps({"inputs": [{"name": "pixel_values", "shape": shape, "datatype": "FP32", "parameters": {"binary_data_size": len(raw)}}],
                         "outputs": [{"name": "logits", "parameters": {"binary_data": True}}]}).encode()
    return header, raw


class Client:
    """One keep-alive HTTP connection sending binary infer requests."""

    def __init__(self, url, model):
        parsed = urllib.parse.urlparse(url)
        self.connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=120)
        self.path = f"/v2/models/{model}/infer"

    def infer(self, header, raw):
        self.connection.request("POST", self.path, body=header + raw,
                                headers={"Content-Type": "application/octet-stream", "Inference-Header-Content-Length": str(len(header))})
        response = self.connection.getresponse()
        response.read()
        return response.status


def model_shape(url, model):
    parsed = urllib.parse.urlparse(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
    connection.request("GET", f"/v2/models/{model}")
    metadata = json.loads(connection.getresponse().read())
    return [int(n) for n in metadata["inputs"][0]["shape"][1:]]


def sequential(client, header, raw, repeats):
    times, errors = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        if client.infer(header, raw) != 200:
            errors += 1
        times.append(time.perf_counter() - start)
    return times, errors


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def served(url, model, shape, concurrency, seconds):
    header, raw = request_body([1] + shape, 7)
    latencies, errors, lock = [], [0], threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker():
        client = Client(url, model)
        mine, failed = [], 0
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                failed += client.infer(header, raw) != 200
            except OSError:
                failed += 1
                client = Client(url, model)
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return {"concurrency": concurrency, "requests": len(latencies), "errors": errors[0], "requestsPerSecond": len(latencies) / wall,
            "p50Ms": 1000 * percentile(latencies, 50), "p99Ms": 1000 * percentile(latencies, 99)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--batches", default="32,128")
    parser.add_argument("--concurrency", default="1,8,64")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    shape = model_shape(args.url, args.model)
    client = Client(args.url, args.model)
    result = {"model": args.model, "imageShape": shape}

    header, raw = request_body([1] + shape, 1)
    sequential(client, header, raw, 5)   # warm-up: the provider's kernels and arenas
    times, errors = sequential(client, header, raw, args.repeats)
    result["batch1"] = {"p50Ms": 1000 * statistics.median(times), "minMs": 1000 * min(times), "errors": errors}
    result["throughput"] = []
    for batch in [int(b) for b in args.batches.split(",")]:
        header, raw = request_body([batch] + shape, batch)
        sequential(client, header, raw, 3)
        times, errors = sequential(client, header, raw, max(5, args.repeats // 3))
        result["throughput"].append({"batch": batch, "imagesPerSecond": batch / statistics.median(times), "p50Ms": 1000 * statistics.median(times), "errors": errors})
    result["served"] = [served(args.url, args.model, shape, int(c), args.seconds) for c in args.concurrency.split(",")]
    json.dump(result, sys.stdout, indent=2)
    print()
    failures = result["batch1"]["errors"] + sum(t["errors"] for t in result["throughput"]) + sum(s["errors"] for s in result["served"])
    if failures:
        print(f"measure.py: {failures} request(s) failed", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
