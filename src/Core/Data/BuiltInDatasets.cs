namespace Cltool.Core.Data;

/// <summary>Whether one built-in dataset can be used on this machine, and where it comes from.</summary>
public sealed record DatasetAvailability(string Name, bool Present, string Location, string Detail);

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

    /// <summary>Font folders the glyph renderer draws from (fonts-noto-core, fonts-dejavu-core).</summary>
    public static readonly string[] FontDirectories = ["/usr/share/fonts/truetype/noto", "/usr/share/fonts/truetype/dejavu"];

    public static IReadOnlyList<DatasetAvailability> Probe() => [ProbeFashionMnist(FashionMnistDirectory), ProbeGlyphFonts(FontDirectories)];

    public static DatasetAvailability ProbeFashionMnist(string directory)
    {
        string[] missing = FashionMnistFiles.Where(file => FashionMnist.FindIdxFile(directory, file) is null).ToArray();
        return missing.Length == 0
            ? new DatasetAvailability("fashion-mnist", true, directory, "60000 train / 10000 test images, 10 classes")
            : new DatasetAvailability("fashion-mnist", false, directory,
                $"missing {string.Join(", ", missing)}; install the Debian package dataset-fashion-mnist");
    }

    public static DatasetAvailability ProbeGlyphFonts(IEnumerable<string> directories)
    {
        string[] existing = directories.Where(Directory.Exists).ToArray();
        int fonts = existing.Sum(directory => Directory.EnumerateFiles(directory, "*.ttf", SearchOption.AllDirectories).Count());
        return fonts > 0
            ? new DatasetAvailability("glyphs", true, string.Join(", ", existing), $"{fonts} TrueType fonts to render from")
            : new DatasetAvailability("glyphs", false, string.Join(", ", directories),
                "no fonts found; install the Debian packages fonts-noto-core and fonts-dejavu-core");
    }
}
