namespace Cltool.Core.Data;

/// <summary>
/// The datasets cltool ships with no download: Fashion-MNIST from Debian's dataset-fashion-mnist package and
/// glyphs rendered from the installed fonts. Both are installed by tools/setup.sh.
/// </summary>
public static class BuiltInDatasets
{
    public const string FashionMnistDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The four idx files of Fashion-MNIST (Debian installs them gzipped).</summary>
    public static readonly string[] FashionMnistFiles =
    [
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
    ];

    public static IReadOnlyList<DatasetAvailability> Probe() => [ProbeFashionMnist(FashionMnistDirectory), ProbeGlyphFonts(GlyphFonts.Root)];

    public static DatasetAvailability ProbeFashionMnist(string directory)
    {
        string[] missing = FashionMnistFiles.Where(file => FashionMnist.FindIdxFile(directory, file) is null).ToArray();
        return missing.Length == 0
            ? new DatasetAvailability("fashion-mnist", true, directory, "60000 train / 10000 test images, 10 classes")
            : new DatasetAvailability("fashion-mnist", false, directory,
                $"missing {string.Join(", ", missing)}; install the Debian package dataset-fashion-mnist");
    }

    public static DatasetAvailability ProbeGlyphFonts(string root)
    {
        string[] missing = GlyphFonts.Missing(root);
        return missing.Length == 0
            ? new DatasetAvailability("glyphs", true, root, $"{GlyphFonts.Files.Count} pinned TrueType fonts to render from")
            : new DatasetAvailability("glyphs", false, root, GlyphFonts.MissingMessage(root, missing));
    }
}
