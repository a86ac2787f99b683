namespace Cltool.Cli.Infrastructure;

/// <summary>Classes too small to train or evaluate on: empty ones, and ones with fewer images than a split needs to say anything.</summary>
public static class ClassSizeWarnings
{
    public const int Tiny = 5;

    public static IEnumerable<string> Of(IReadOnlyList<string> classes, int[] imagesPerClass)
    {
        string[] empty = classes.Where((_, c) => imagesPerClass[c] == 0).ToArray();
        string[] tiny = classes.Where((_, c) => imagesPerClass[c] is > 0 and < Tiny).ToArray();
        if (empty.Length > 0) yield return $"{empty.Length} class(es) without images: {string.Join(", ", empty.Take(10))}{(empty.Length > 10 ? ", ..." : "")}";
        if (tiny.Length > 0) yield return $"{tiny.Length} class(es) with fewer than {Tiny} images: {string.Join(", ", tiny.Take(10))}{(tiny.Length > 10 ? ", ..." : "")}";
    }
}
