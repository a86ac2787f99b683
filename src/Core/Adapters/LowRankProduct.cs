using System.Numerics;

namespace Cltool.Core.Adapters;

/// <summary>The dense float64 product of two low-rank factors, which every fold and fit builds on.</summary>
public static class LowRankProduct
{
    /// <summary>
    /// <paramref name="into"/> [out, in] += <paramref name="scale"/> · Up·Down, all row-major: Up [out, rank] (float32 as
    /// stored, or float64 when a routing was folded in) and Down [rank, in].
    /// </summary>
    public static void Add<T>(double[] into, T[] up, float[] down, int rank, double scale) where T : INumber<T>
    {
        int outputs = up.Length / Math.Max(rank, 1), inputs = down.Length / Math.Max(rank, 1);
        for (int row = 0; row < outputs; row++)
        {
            for (int k = 0; k < rank; k++)
            {
                double coefficient = scale * double.CreateTruncating(up[row * rank + k]);
                if (coefficient == 0) continue;
                int downRow = k * inputs, intoRow = row * inputs;
                for (int column = 0; column < inputs; column++) into[intoRow + column] += coefficient * down[downRow + column];
            }
        }
    }
}
