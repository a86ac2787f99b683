namespace Cltool.Cli.Benchmarks;

/// <summary>One model's inference cost: mean batch-1 latency and batch-N throughput (medians over interleaved rounds).</summary>
public sealed record InferenceTiming(string Model, int Tasks, double Batch1Milliseconds, RoundSpread Throughput, int BatchSize)
{
    /// <summary>The median over rounds.</summary>
    public double ImagesPerSecond => Throughput.Median;
}
