using System.Diagnostics;

namespace Cltool.Cli.Benchmarks;

/// <summary>
/// A closed-loop load generator: <c>concurrency</c> workers each send a request as soon as their previous one is
/// answered, until <c>requests</c> were sent or the time is up; progress every ten seconds.
/// </summary>
public static class LoadRun
{
    public static async Task<LoadReport> RunAsync(InferClient client, string protocol, int concurrency, int requests, TimeSpan limit,
                                                  int? watchPid, TimeSpan sampleEvery, Action<string> progress)
    {
        var latencies = new List<double>();
        var versions = new Dictionary<string, int>();
        var failures = new List<string>();
        int next = -1, rejected = 0, failed = 0;
        var clock = Stopwatch.StartNew();
        using var done = new CancellationTokenSource();
        Task<List<RssSample>> rss = watchPid is { } pid ? SampleRssAsync(pid, sampleEvery, clock, done.Token) : Task.FromResult(new List<RssSample>());
        Task reporter = ReportAsync(() => latencies.Count, clock, progress, done.Token);

        async Task Worker()
        {
            while (Interlocked.Increment(ref next) < requests && clock.Elapsed < limit)
            {
                long started = Stopwatch.GetTimestamp();
                InferOutcome outcome = await client.SendAsync(CancellationToken.None);
                double milliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                lock (latencies)
                {
                    if (outcome.Ok)
                    {
                        latencies.Add(milliseconds);
                        versions[outcome.Version ?? "?"] = versions.GetValueOrDefault(outcome.Version ?? "?") + 1;
                    }
                    else if (outcome.Rejected) rejected++;
                    else if (++failed <= 5) failures.Add(outcome.Error ?? "?");
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(Worker)));
        double seconds = clock.Elapsed.TotalSeconds;
        done.Cancel();
        await reporter;
        latencies.Sort();
        return new LoadReport(protocol, concurrency, latencies.Count, rejected, failed, failures, seconds, latencies.Count / seconds,
            Percentile(latencies, 0.50), Percentile(latencies, 0.95), Percentile(latencies, 0.99), versions, await rss);
    }

    static async Task ReportAsync(Func<int> answered, Stopwatch clock, Action<string> progress, CancellationToken done)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10));
        try
        {
            while (await timer.WaitForNextTickAsync(done))
                progress($"{clock.Elapsed.TotalSeconds:F0} s: {answered()} answered, {answered() / clock.Elapsed.TotalSeconds:F0} requests/s");
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>VmRSS of <paramref name="pid"/> from /proc every <paramref name="every"/>, the first sample at once.</summary>
    static async Task<List<RssSample>> SampleRssAsync(int pid, TimeSpan every, Stopwatch clock, CancellationToken done)
    {
        var samples = new List<RssSample>();
        using var timer = new PeriodicTimer(every);
        try
        {
            do samples.Add(new RssSample(clock.Elapsed.TotalSeconds, Rss(pid)));
            while (await timer.WaitForNextTickAsync(done));
        }
        catch (OperationCanceledException) { }
        samples.Add(new RssSample(clock.Elapsed.TotalSeconds, Rss(pid)));
        return samples;
    }

    static long Rss(int pid)
    {
        string line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }

    public static double Percentile(List<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
}
