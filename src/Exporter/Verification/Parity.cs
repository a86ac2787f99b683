using Cltool.Core.Continual;

namespace Cltool.Exporter.Verification;

/// <summary>Runs the exported model in ONNX Runtime on the golden batch and compares with the trainer's logits.</summary>
public static class Parity
{
    /// <summary>fp32: PEFT's and Hugging Face's ONNX gate (absolute).</summary>
    public const double Fp32Tolerance = 1e-4;

    /// <summary>fp16 keeps ~3 significant digits: 1e-2 of the largest golden logit (at least 1e-2 absolute).</summary>
    public static double Fp16Tolerance(GoldenBatch golden) => 1e-2 * Math.Max(1, golden.Logits.Data.Max(Math.Abs));

    public static ParityReport Check(string modelPath, GoldenBatch golden, double tolerance)
    {
        using var runner = new OnnxRunner(modelPath);
        float[] actual = runner.Logits(golden.Pixels.Data, golden.Count), expected = golden.Logits.Data;
        if (actual.Length != expected.Length)
            throw new Core.Errors.CltoolException($"The exported model gives {actual.Length / golden.Count} logits per image, the checkpoint {expected.Length / golden.Count}.");
        double worst = 0;
        for (int i = 0; i < actual.Length; i++) worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]));
        int classes = runner.Classes, agreements = 0;
        for (int row = 0; row < golden.Count; row++)
            if (Logits.ArgMax(actual.AsSpan(row * classes, classes)) == Logits.ArgMax(expected.AsSpan(row * classes, classes))) agreements++;
        return new ParityReport(golden.Count, worst, agreements, tolerance);
    }
}
