namespace Cltool.Cli.Benchmarks;

/// <summary>
/// The rounds of one measurement as minimum, median and maximum. The relative spread is the noise floor: a difference
/// between two rows smaller than it is not a result.
/// </summary>
public sealed record RoundSpread(double Min, double Median, double Max)
{
    public static RoundSpread Of(IReadOnlyCollection<double> values)
    {
        double[] sorted = values.Order().ToArray();
        double median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        return new RoundSpread(sorted[0], median, sorted[^1]);
    }

    public static double MedianOf(IReadOnlyCollection<double> values) => Of(values).Median;

    /// <summary>(max − min) / median.</summary>
    public double Relative => (Max - Min) / Median;

    /// <summary>The noise floor of comparing two measurements: the larger of their relative spreads.</summary>
    public static double NoiseFloor(RoundSpread a, RoundSpread b) => Math.Max(a.Relative, b.Relative);
}
