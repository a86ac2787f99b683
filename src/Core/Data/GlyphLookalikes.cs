using SkiaSharp;

namespace Cltool.Core.Data;

/// <summary>
/// Decides by measurement which characters are near-identical pictures in the glyph generator (Latin A / Greek Α /
/// Cyrillic А, c / с, and, since every glyph is scaled to the same size, o / O): both are drawn with the same font, size
/// and position, dark on light, upright and without noise, binarised at half ink, and compared by the symmetric partial
/// Hausdorff distance: the 95th percentile of the distances from each ink pixel of one to the nearest ink pixel of the
/// other, the larger of the two directions. Stroke weight moves it by about a pixel (o / O: 1 px); a missing or extra
/// stroke moves it by many (E / F: 7 px). Two characters are look-alikes when the distance is at most
/// <see cref="MaxDistance"/> in more than half of the fonts that cover both. Going through the classes in order, a class
/// is dropped when it is a look-alike of a class already kept, so the first of each family stays (Latin before Greek
/// before Cyrillic, upper before lower case).
/// </summary>
public static class GlyphLookalikes
{
    /// <summary>
    /// Pixels (at <see cref="RenderSize"/>) within which two renders count as the same picture. Measured medians over
    /// the Noto and DejaVu fonts: A/Α 0, o/O, c/C, s/S, x/X, K/К 1; distinct pairs u/U, S/5, з/3 2, O/0 (0 is narrower)
    /// and Ш/Щ 3, Θ/O 4.5, E/F 7.
    /// </summary>
    public const double MaxDistance = 1.5;

    /// <summary>Share of a glyph's ink pixels the distance covers (the rest may be serifs and anti-aliasing specks).</summary>
    public const double Percentile = 0.95;

    /// <summary>Pixels per side of the comparison renders; the glyph's larger side is 80 % of it.</summary>
    public const int RenderSize = 32;

    /// <summary>The rule in one sentence, for listings.</summary>
    public static string Rule =>
        $"a class is dropped when, drawn in the same font, size and position as a class kept before it, {Percentile:P0} of the ink " +
        $"of each lies within {MaxDistance} px of the other's ({RenderSize} px renders) in more than half of the fonts covering both";

    public static (int[] Kept, IReadOnlyList<Lookalike> Dropped) Filter(IReadOnlyList<int> codePoints, IReadOnlyList<SKTypeface> fonts)
    {
        var shapes = new Dictionary<(int Font, int CodePoint), GlyphShape>();
        GlyphShape Shape(int font, int codePoint)
        {
            if (!shapes.TryGetValue((font, codePoint), out GlyphShape? shape))
                shapes[(font, codePoint)] = shape = GlyphShape.Of(Render(fonts[font], codePoint));
            return shape;
        }
        int[][] covering = codePoints.Select(codePoint => Enumerable.Range(0, fonts.Count).Where(f => fonts[f].ContainsGlyph(codePoint)).ToArray()).ToArray();

        var kept = new List<int>();
        var dropped = new List<Lookalike>();
        for (int candidate = 0; candidate < codePoints.Count; candidate++)
        {
            Lookalike? match = null;
            foreach (int keptIndex in kept)
            {
                int[] shared = covering[candidate].Intersect(covering[keptIndex]).ToArray();
                if (shared.Length == 0) continue;
                int alike = shared.Count(f => Alike(Shape(f, codePoints[keptIndex]), Shape(f, codePoints[candidate])));
                if (2 * alike > shared.Length)
                {
                    double[] distances = shared.Select(f => Distance(Shape(f, codePoints[keptIndex]), Shape(f, codePoints[candidate]))).Order().ToArray();
                    match = new Lookalike(codePoints[keptIndex], codePoints[candidate], alike, shared.Length, distances[distances.Length / 2]);
                    break;
                }
            }
            if (match is null) kept.Add(candidate);
            else dropped.Add(match);
        }
        return (kept.Select(index => codePoints[index]).ToArray(), dropped);
    }

    /// <summary>Whether two renders are within <see cref="MaxDistance"/> of each other in both directions.</summary>
    public static bool Alike(GlyphShape a, GlyphShape b) => a.LiesWithin(b, MaxDistance) && b.LiesWithin(a, MaxDistance);

    /// <summary>Symmetric partial Hausdorff distance of two binarised renders, in pixels (infinite when one has no ink).</summary>
    public static double Distance(GlyphShape a, GlyphShape b) => Math.Max(a.DirectedDistanceTo(b), b.DirectedDistanceTo(a));

    /// <summary>Ink in [0, 1] of a canonical render: black on white, centred, upright, no noise.</summary>
    public static float[] Render(SKTypeface font, int codePoint)
    {
        using SKBitmap bitmap = GlyphRenderer.Draw(font, codePoint, RenderSize, new GlyphPose(0.8f * RenderSize), background: 255, foreground: 0);
        ReadOnlySpan<byte> pixels = bitmap.GetPixelSpan();
        var ink = new float[RenderSize * RenderSize];
        for (int y = 0; y < RenderSize; y++)
            for (int x = 0; x < RenderSize; x++)
                ink[y * RenderSize + x] = 1 - pixels[y * bitmap.RowBytes + x] / 255f;
        return ink;
    }
}
