using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Cltool.InferenceHost;
using Cltool.InferenceHost.Serving;
using Cltool.Core.Models;

namespace Cltool.Cli.Benchmarks;

/// <summary>One load level against one server configuration.</summary>
public sealed record LoadResult(string Mode, int Concurrency, int Requests, int Failures, double RequestsPerSecond,
                                double P50Ms, double P95Ms, double P99Ms, double MeanBatch);

/// <summary>
/// A load generator over HTTP on loopback: the real host in this process (Kestrel, the batcher, ONNX Runtime), KServe v2
/// JSON infer requests of one image each, at several concurrencies, bounded in requests and in time per level. The
/// mean batch size comes from the host's own metrics (nv_inference_count / nv_inference_exec_count).
/// </summary>
public static class ServeBenchmark
{
    public static async Task<IReadOnlyList<LoadResult>> RunAsync(string model, string mode, ServeOptions options, int[] concurrencies,
                                                                 int requests, TimeSpan perLevel, Action<string> progress)
    {
        await using InferenceServer server = await InferenceServer.StartAsync(options with { ModelPath = model, Urls = "http://127.0.0.1:0", GrpcUrls = "none" }, _ => { });
        string body = Body(server.Repository.ReadyVersions(options.Name)[0].Session);
        var results = new List<LoadResult>();
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = new Uri(server.Addresses[0]) };
        await Load(client, options.Name, body, 8, 64, TimeSpan.FromSeconds(5));   // warm-up: connections, JIT, ONNX Runtime arenas
        foreach (int concurrency in concurrencies)
        {
            (double images0, double batches0) = await Counts(client);
            var clock = Stopwatch.StartNew();
            (List<double> latencies, int failures) = await Load(client, options.Name, body, concurrency, requests, perLevel);
            double seconds = clock.Elapsed.TotalSeconds;
            (double images1, double batches1) = await Counts(client);
            latencies.Sort();
            results.Add(new LoadResult(mode, concurrency, latencies.Count, failures, latencies.Count / seconds,
                Percentile(latencies, 0.50), Percentile(latencies, 0.95), Percentile(latencies, 0.99),
                (images1 - images0) / Math.Max(1, batches1 - batches0)));
            progress($"{mode}, concurrency {concurrency}: {latencies.Count / seconds:F0} requests/s, p50 {Percentile(latencies, 0.5):F1} ms");
        }
        return results;
    }

    /// <summary>Sends up to <paramref name="requests"/> requests from <paramref name="concurrency"/> workers, stopping at the time limit.</summary>
    static async Task<(List<double> Latencies, int Failures)> Load(HttpClient client, string name, string body, int concurrency, int requests, TimeSpan limit)
    {
        var latencies = new List<double>();
        int next = -1, failures = 0;
        var deadline = Stopwatch.StartNew();
        async Task Worker()
        {
            while (Interlocked.Increment(ref next) < requests && deadline.Elapsed < limit)
            {
                long started = Stopwatch.GetTimestamp();
                using HttpResponseMessage response = await client.PostAsync($"/v2/models/{name}/infer", new StringContent(body, Encoding.UTF8, "application/json"));
                await response.Content.ReadAsByteArrayAsync();
                double milliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (response.StatusCode != HttpStatusCode.OK) { Interlocked.Increment(ref failures); continue; }
                lock (latencies) latencies.Add(milliseconds);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(Worker)));
        return (latencies, failures);
    }

    static string Body(ModelSession model)
    {
        var random = new Random(1993);
        string data = string.Join(",", Enumerable.Range(0, model.ImageElements)
            .Select(_ => (random.NextSingle() * 2 - 1).ToString("G6", CultureInfo.InvariantCulture)));
        return $"{{\"inputs\":[{{\"name\":\"{ModelSignature.Input}\",\"shape\":[1,{model.Channels},{model.Height},{model.Width}],\"datatype\":\"FP32\",\"data\":[{data}]}}]}}";
    }

    static async Task<(double Images, double Batches)> Counts(HttpClient client)
    {
        string metrics = await client.GetStringAsync("/metrics");
        double Value(string name) => metrics.Split('\n').Where(line => line.StartsWith(name + "{", StringComparison.Ordinal))
            .Select(line => double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Single();
        return (Value("nv_inference_count"), Value("nv_inference_exec_count"));
    }

    static double Percentile(List<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
}
