using Cltool.Core.Data;

namespace Cltool.Core.Tests;

public sealed class BuiltInDatasetsTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    [Fact]
    public void Fashion_mnist_is_present_when_all_four_idx_files_exist_gzipped_or_not()
    {
        foreach (string file in BuiltInDatasets.FashionMnistFiles.Take(2)) File.WriteAllBytes(Path.Combine(_temporary.Path, file + ".gz"), [0]);
        foreach (string file in BuiltInDatasets.FashionMnistFiles.Skip(2)) File.WriteAllBytes(Path.Combine(_temporary.Path, file), [0]);

        DatasetAvailability availability = BuiltInDatasets.ProbeFashionMnist(_temporary.Path);

        Assert.True(availability.Present);
        Assert.Equal(_temporary.Path, availability.Location);
    }

    [Fact]
    public void A_missing_idx_file_is_named_with_the_package_that_provides_it()
    {
        foreach (string file in BuiltInDatasets.FashionMnistFiles.Skip(1)) File.WriteAllBytes(Path.Combine(_temporary.Path, file + ".gz"), [0]);

        DatasetAvailability availability = BuiltInDatasets.ProbeFashionMnist(_temporary.Path);

        Assert.False(availability.Present);
        Assert.Contains("train-images-idx3-ubyte", availability.Detail);
        Assert.DoesNotContain("t10k", availability.Detail);
        Assert.Contains("dataset-fashion-mnist", availability.Detail);
    }

    [Fact]
    public void Glyphs_need_every_pinned_font_and_ignore_fonts_beyond_them()
    {
        foreach (string file in GlyphFonts.Files.Append("dejavu/SomeExtraFont.ttf"))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(_temporary.Path, file))!);
            File.WriteAllBytes(Path.Combine(_temporary.Path, file), [0]);
        }
        DatasetAvailability present = BuiltInDatasets.ProbeGlyphFonts(_temporary.Path);
        File.Delete(Path.Combine(_temporary.Path, "dejavu", "DejaVuSans-ExtraLight.ttf"));
        DatasetAvailability missing = BuiltInDatasets.ProbeGlyphFonts(_temporary.Path);

        Assert.True(present.Present);
        Assert.Equal("290 pinned TrueType fonts to render from", present.Detail);
        Assert.False(missing.Present);
        Assert.Equal($"1 of the 290 fonts the glyph datasets are drawn from are missing under {_temporary.Path} (first: dejavu/DejaVuSans-ExtraLight.ttf); " +
                     "install the Debian packages fonts-noto-core fonts-dejavu-core fonts-dejavu-extra (tools/setup.sh does).", missing.Detail);
    }
}
