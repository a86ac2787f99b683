namespace Cltool.Cli.Benchmarks;

/// <summary>One load level against one server configuration: requests/s over the rounds, latency and batch size as medians over them.</summary>
public sealed record LoadResult(string Mode, int Concurrency, int Requests, int Failures, RoundSpread Throughput,
                                double P50Ms, double P95Ms, double P99Ms, double MeanBatch)
{
    /// <summary>The median over rounds.</summary>
    public double RequestsPerSecond => Throughput.Median;
}
