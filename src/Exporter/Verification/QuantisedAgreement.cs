using System.Globalization;
using Cltool.Core.Continual;

namespace Cltool.Exporter.Verification;

/// <summary>
/// The gate of a quantised export, whose logits move by design: on the run's test split its top-1 class must equal the
/// fp32 export's on at least <see cref="Minimum"/> of the images, and its accuracy must stay within
/// <see cref="MaximumAccuracyDrop"/> of fp32's.
/// </summary>
public sealed record QuantisedAgreement(int Images, int SameTopOne, int Fp32Correct, int QuantisedCorrect, double Minimum)
{
    public const double MinimumAgreement = 0.99, MaximumAccuracyDrop = 0.005;

    public double Agreement => (double)SameTopOne / Images;
    public double Fp32Accuracy => (double)Fp32Correct / Images;
    public double QuantisedAccuracy => (double)QuantisedCorrect / Images;
    public bool Passed => Agreement >= Minimum && Math.Abs(QuantisedAccuracy - Fp32Accuracy) <= MaximumAccuracyDrop;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"top-1 identical to fp32 on {Agreement * 100:F2} % of {Images} test images ({SameTopOne}; at least {Minimum * 100:F0} % needed), " +
        $"accuracy {QuantisedAccuracy * 100:F2} % against fp32's {Fp32Accuracy * 100:F2} % (at most {MaximumAccuracyDrop * 100:F1} points apart)");

    public static QuantisedAgreement Measure(string fp32Path, string quantisedPath, ContinualCheckpoint checkpoint, double minimum)
    {
        (int[] fp32, int[] truth) = TestSetAccuracy.Predict(fp32Path, checkpoint);
        (int[] quantised, _) = TestSetAccuracy.Predict(quantisedPath, checkpoint);
        int Count(Func<int, bool> predicate) => Enumerable.Range(0, truth.Length).Count(predicate);
        return new QuantisedAgreement(truth.Length, Count(i => fp32[i] == quantised[i]), Count(i => fp32[i] == truth[i]), Count(i => quantised[i] == truth[i]), minimum);
    }
}
