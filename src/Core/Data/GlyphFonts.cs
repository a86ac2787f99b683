using System.Reflection;
using Cltool.Core.Errors;

namespace Cltool.Core.Data;

/// <summary>
/// The exact font files the glyph datasets are drawn from. Pinned, not discovered: every font is a source of samples, so
/// a machine with one more or one fewer font package would render a different dataset under the same name (an extra
/// Debian package, fonts-dejavu-extra, arrives with OpenJDK and once made CI's proxy differ from the one the base model
/// and the published tables were made on). Extra fonts in the folders are ignored; a missing one is an error.
/// </summary>
public static class GlyphFonts
{
    public const string Root = "/usr/share/fonts/truetype";

    /// <summary>The Debian packages that install <see cref="Files"/>; tools/setup.sh installs them.</summary>
    public const string Packages = "fonts-noto-core fonts-dejavu-core fonts-dejavu-extra";

    /// <summary>Paths under <see cref="Root"/>, in ordinal order: the order fonts are drawn from.</summary>
    public static readonly IReadOnlyList<string> Files = ReadList();

    /// <summary>The pinned files under <paramref name="root"/> that are not there.</summary>
    public static string[] Missing(string root) => Files.Where(file => !File.Exists(Path.Combine(root, file))).ToArray();

    /// <summary>The full paths of every pinned font, or one error naming what is missing and what installs it.</summary>
    public static string[] Resolve(string root = Root)
    {
        string[] missing = Missing(root);
        if (missing.Length > 0) throw new CltoolException(MissingMessage(root, missing));
        return Files.Select(file => Path.Combine(root, file)).ToArray();
    }

    public static string MissingMessage(string root, string[] missing) =>
        $"{missing.Length} of the {Files.Count} fonts the glyph datasets are drawn from are missing under {root} " +
        $"(first: {missing[0]}); install the Debian packages {Packages} (tools/setup.sh does).";

    static string[] ReadList()
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Cltool.Core.Data.glyph-fonts.txt")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
