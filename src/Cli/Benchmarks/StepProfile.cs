namespace Cltool.Cli.Benchmarks;

/// <summary>Where the frozen-backbone step's time goes: the whole step against its matmuls alone at their own shapes.</summary>
public sealed record StepProfile(int Directions, double StepMs, double GemmMs, double GemmGflops, double MatmulGflops)
{
    public double OtherMs => StepMs - GemmMs;
}
