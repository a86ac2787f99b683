using System.Globalization;
using Cltool.InferenceHost;

namespace Cltool.Cli.Benchmarks;

/// <summary>One load level against one server configuration.</summary>
public sealed record LoadResult(string Mode, int Concurrency, int Requests, int Failures, double RequestsPerSecond,
                                double P50Ms, double P95Ms, double P99Ms, double MeanBatch);

/// <summary>
/// A load generator on loopback against the real host in this process (Kestrel, the batcher, ONNX Runtime): infer
/// requests of one image each over one wire format (<see cref="InferClient"/>), at several concurrencies, bounded in
/// requests and in time per level. The mean batch size comes from the host's own metrics (nv_inference_count /
/// nv_inference_exec_count).
/// </summary>
public static class ServeBenchmark
{
    public static async Task<IReadOnlyList<LoadResult>> RunAsync(string model, string mode, WireProtocol protocol, ServeOptions options, int[] concurrencies,
                                                                 int requests, TimeSpan perLevel, Action<string> progress)
    {
        await using InferenceServer server = await InferenceServer.StartAsync(options with
        {
            ModelPath = model, Urls = "http://127.0.0.1:0", GrpcUrls = protocol == WireProtocol.Grpc ? "http://127.0.0.1:0" : ServeOptions.NoGrpc,
        }, _ => { });
        using InferClient client = await InferClient.CreateAsync(server.Addresses[0], server.GrpcAddresses.FirstOrDefault(), options.Name, protocol, options.ApiKey);
        await LoadRun.RunAsync(client, mode, 8, 64, TimeSpan.FromSeconds(5), null, TimeSpan.Zero, _ => { });   // warm-up: connections, JIT, ONNX Runtime arenas
        var results = new List<LoadResult>();
        foreach (int concurrency in concurrencies)
        {
            (double images0, double batches0) = await Counts(client.Http);
            LoadReport load = await LoadRun.RunAsync(client, mode, concurrency, requests, perLevel, null, TimeSpan.Zero, _ => { });
            (double images1, double batches1) = await Counts(client.Http);
            results.Add(new LoadResult(mode, concurrency, load.Answered, load.Rejected + load.Failed, load.RequestsPerSecond, load.P50Ms, load.P95Ms, load.P99Ms,
                (images1 - images0) / Math.Max(1, batches1 - batches0)));
            progress($"{mode}, concurrency {concurrency}: {load.RequestsPerSecond:F0} requests/s, p50 {load.P50Ms:F1} ms");
        }
        return results;
    }

    static async Task<(double Images, double Batches)> Counts(HttpClient client)
    {
        string metrics = await client.GetStringAsync("/metrics");
        double Value(string name) => metrics.Split('\n').Where(line => line.StartsWith(name + "{", StringComparison.Ordinal))
            .Sum(line => double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture));
        return (Value("nv_inference_count"), Value("nv_inference_exec_count"));
    }
}
