using System.Globalization;
using Cltool.InferenceHost;

namespace Cltool.Cli.Benchmarks;

/// <summary>
/// A load generator on loopback against the real host in this process (Kestrel, the batcher, ONNX Runtime): infer
/// requests of one image each over one wire format (<see cref="InferClient"/>), at several concurrencies, bounded in
/// requests and in time per level. Every configuration's server runs for the whole benchmark and every (configuration,
/// level) is measured once per round, round-robin, so drift of this shared machine hits all of them alike. The mean
/// batch size comes from the host's own metrics (nv_inference_count / nv_inference_exec_count).
/// </summary>
public static class ServeBenchmark
{
    public static async Task<IReadOnlyList<LoadResult>> RunAsync(string model, IReadOnlyList<ServeConfiguration> configurations, int[] concurrencies,
                                                                 int requests, TimeSpan perLevel, int rounds, Action<string> progress)
    {
        var servers = new List<(ServeConfiguration Configuration, InferenceServer Server, InferClient Client)>();
        try
        {
            foreach (ServeConfiguration c in configurations)
            {
                InferenceServer server = await InferenceServer.StartAsync(c.Options with
                {
                    ModelPath = model,
                    Urls = "http://127.0.0.1:0",
                    GrpcUrls = c.Protocol == WireProtocol.Grpc ? "http://127.0.0.1:0" : ServeOptions.NoGrpc,
                }, _ => { });
                servers.Add((c, server, await InferClient.CreateAsync(server.Addresses[0], server.GrpcAddresses.FirstOrDefault(), c.Options.Name, c.Protocol, c.Options.ApiKey)));
                // Warm-up: connections, JIT, ONNX Runtime arenas.
                await LoadRun.RunAsync(servers[^1].Client, c.Mode, 8, 64, TimeSpan.FromSeconds(5), null, TimeSpan.Zero, _ => { });
            }
            var measured = new Dictionary<(string Mode, int Concurrency), List<(LoadReport Load, double MeanBatch)>>();
            for (int round = 0; round < rounds; round++)
            {
                foreach ((ServeConfiguration c, _, InferClient client) in servers)
                {
                    foreach (int concurrency in concurrencies)
                    {
                        (double images0, double batches0) = await Counts(client.Http);
                        LoadReport load = await LoadRun.RunAsync(client, c.Mode, concurrency, requests, perLevel, null, TimeSpan.Zero, _ => { });
                        (double images1, double batches1) = await Counts(client.Http);
                        double meanBatch = (images1 - images0) / Math.Max(1, batches1 - batches0);
                        (measured.TryGetValue((c.Mode, concurrency), out var list) ? list : measured[(c.Mode, concurrency)] = []).Add((load, meanBatch));
                        progress($"round {round + 1}/{rounds}, {c.Mode}, concurrency {concurrency}: {load.RequestsPerSecond:F0} requests/s, p50 {load.P50Ms:F1} ms");
                    }
                }
            }
            return measured.Select(m => Summarise(m.Key.Mode, m.Key.Concurrency, m.Value)).ToList();
        }
        finally
        {
            foreach ((_, InferenceServer server, InferClient client) in servers)
            {
                client.Dispose();
                await server.DisposeAsync();
            }
        }
    }

    static LoadResult Summarise(string mode, int concurrency, IReadOnlyList<(LoadReport Load, double MeanBatch)> rounds)
    {
        double Median(Func<(LoadReport Load, double MeanBatch), double> value) => RoundSpread.MedianOf(rounds.Select(value).ToArray());
        return new LoadResult(mode, concurrency, rounds.Sum(r => r.Load.Answered), rounds.Sum(r => r.Load.Rejected + r.Load.Failed),
            RoundSpread.Of(rounds.Select(r => r.Load.RequestsPerSecond).ToArray()), Median(r => r.Load.P50Ms), Median(r => r.Load.P95Ms), Median(r => r.Load.P99Ms),
            Median(r => r.MeanBatch));
    }

    static async Task<(double Images, double Batches)> Counts(HttpClient client)
    {
        string metrics = await client.GetStringAsync("/metrics");
        double Value(string name) => metrics.Split('\n').Where(line => line.StartsWith(name + "{", StringComparison.Ordinal))
            .Sum(line => double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture));
        return (Value("nv_inference_count"), Value("nv_inference_exec_count"));
    }
}
