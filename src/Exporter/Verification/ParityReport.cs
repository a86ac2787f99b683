namespace Cltool.Exporter.Verification;

/// <summary>How closely an exported model reproduces the trainer's golden logits.</summary>
public sealed record ParityReport(int Images, double MaxAbsDifference, int TopOneAgreements, double Tolerance)
{
    public bool Passed => MaxAbsDifference <= Tolerance && TopOneAgreements == Images;

    public override string ToString() =>
        $"max |logit difference| {MaxAbsDifference:0.00e+00} ({(double.IsPositiveInfinity(Tolerance) ? "not gated: int8 is checked by agreement" : $"limit {Tolerance:0.##e+00}")}), top-1 identical on {TopOneAgreements}/{Images} golden images";
}
