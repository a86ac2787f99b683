namespace Cltool.Core.Data;

/// <summary>A class left out because it looks like one kept before it.</summary>
public sealed record Lookalike(int Kept, int Dropped, int FontsAlike, int FontsShared, double MedianDistance)
{
    public override string ToString() =>
        $"{char.ConvertFromUtf32(Dropped)} U+{Dropped:X4} ~ {char.ConvertFromUtf32(Kept)} U+{Kept:X4} " +
        $"(alike in {FontsAlike}/{FontsShared} fonts, median distance {MedianDistance:F2} px)";
}
