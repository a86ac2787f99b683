namespace Cltool.Cli.Benchmarks;

/// <summary>
/// What a load run saw: answered requests (with the versions that answered them), explicit rejections (503 /
/// UNAVAILABLE), failures with the first few messages, throughput, latency percentiles of the answered requests, and
/// the host's resident memory over time when a process was watched.
/// </summary>
public sealed record LoadReport(string Protocol, int Concurrency, int Answered, int Rejected, int Failed, IReadOnlyList<string> FailureSamples,
                                double Seconds, double RequestsPerSecond, double P50Ms, double P95Ms, double P99Ms,
                                IReadOnlyDictionary<string, int> Versions, IReadOnlyList<RssSample> Rss)
{
    /// <summary>RSS growth from the first sample after <paramref name="warmUpSeconds"/> to the largest later one; null without samples.</summary>
    public double? RssGrowth(double warmUpSeconds)
    {
        RssSample[] after = Rss.Where(s => s.Seconds >= warmUpSeconds).ToArray();
        return after.Length < 2 ? null : (double)after.Max(s => s.Bytes) / after[0].Bytes - 1;
    }
}
