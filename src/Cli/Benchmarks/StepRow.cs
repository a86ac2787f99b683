namespace Cltool.Cli.Benchmarks;

/// <summary>One configuration's training step over the rounds, and its FLOP utilisation against the same-run matmul.</summary>
public sealed record StepRow(string Method, int Directions, int Threads, int BatchSize, RoundSpread ImagesPerSecond, double GflopPerImage, double MatmulGflops,
                             double ForwardMs, double BackwardMs, double UpdateMs)
{
    public double Gflops => GflopPerImage * ImagesPerSecond.Median;
    public double Utilisation => Gflops / MatmulGflops;
    public double StepMs => ForwardMs + BackwardMs + UpdateMs;
}
