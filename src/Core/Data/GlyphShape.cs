namespace Cltool.Core.Data;

/// <summary>
/// A binarised square render (ink at or above half) with its distance map: for every pixel, the Euclidean distance to
/// the nearest ink pixel.
/// </summary>
public sealed class GlyphShape
{
    readonly int[] _ink;
    readonly float[] _distanceToInk;

    GlyphShape(int[] ink, float[] distanceToInk) => (_ink, _distanceToInk) = (ink, distanceToInk);

    public int InkPixels => _ink.Length;

    public static GlyphShape Of(float[] ink)
    {
        int side = (int)Math.Sqrt(ink.Length);
        bool Inked(int x, int y) => ink[y * side + x] >= 0.5f;
        int[] inked = Enumerable.Range(0, ink.Length).Where(i => ink[i] >= 0.5f).ToArray();
        // Squared distance to the nearest ink in the same column, then the exact 2-D minimum over columns: O(side³).
        int far = 4 * side * side;
        var column = new int[ink.Length];
        for (int x = 0; x < side; x++)
            for (int y = 0; y < side; y++)
            {
                int best = far;
                for (int other = 0; other < side; other++)
                    if (Inked(x, other)) best = Math.Min(best, (other - y) * (other - y));
                column[y * side + x] = best;
            }
        var distance = new float[ink.Length];
        for (int y = 0; y < side; y++)
            for (int x = 0; x < side; x++)
            {
                int best = far;
                for (int other = 0; other < side; other++) best = Math.Min(best, (other - x) * (other - x) + column[y * side + other]);
                distance[y * side + x] = inked.Length == 0 ? float.PositiveInfinity : MathF.Sqrt(best);
            }
        return new GlyphShape(inked, distance);
    }

    /// <summary>Whether at least <see cref="GlyphLookalikes.Percentile"/> of this shape's ink lies within <paramref name="limit"/> of the other's.</summary>
    public bool LiesWithin(GlyphShape other, double limit)
    {
        if (_ink.Length == 0) return false;
        int allowedOutside = _ink.Length - 1 - (int)(GlyphLookalikes.Percentile * (_ink.Length - 1)), outside = 0;
        foreach (int pixel in _ink)
            if (other._distanceToInk[pixel] > limit && ++outside > allowedOutside) return false;
        return true;
    }

    /// <summary>The <see cref="GlyphLookalikes.Percentile"/> quantile of the distances from this shape's ink to the other's.</summary>
    public double DirectedDistanceTo(GlyphShape other)
    {
        if (_ink.Length == 0) return double.PositiveInfinity;
        float[] distances = _ink.Select(pixel => other._distanceToInk[pixel]).Order().ToArray();
        return distances[(int)(GlyphLookalikes.Percentile * (distances.Length - 1))];
    }
}
