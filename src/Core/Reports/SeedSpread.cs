namespace Cltool.Core.Reports;

/// <summary>A mean and sample standard deviation over seeds.</summary>
public sealed record SeedSpread(double Mean, double Std)
{
    public static SeedSpread Of(IReadOnlyList<double> values) => new(values.Average(),
        values.Count > 1 ? Math.Sqrt(values.Sum(v => (v - values.Average()) * (v - values.Average())) / (values.Count - 1)) : 0);

    public string Percent => $"{Mean * 100:F2} ± {Std * 100:F2}";
}
